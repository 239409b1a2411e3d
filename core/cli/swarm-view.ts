/**
 * What `mittelo swarm` prints: one status line per agent, redrawn in place on a terminal; elsewhere
 * a line per lifecycle event and per status change (at most one a second per agent). Agent log
 * lines go to stderr, prefixed with the agent's name.
 */
import { formatDelay, type SlotView } from '../agent/swarm.js';

const REDRAW_MS = 100;
const TICK_MS = 1000;
const PLAIN_THROTTLE_MS = 1000;

function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The agent's own counters: what it runs, how many done and failed. */
export function workSummary(view: SlotView): string | null {
  const status = view.status;
  if (!status) return null;
  const running = status.running.map((r) => `${r.backend}#${r.task_id}`).join(' ') || 'idle';
  return `${running} | done ${status.done} | failed ${status.failed}${status.unacked ? ` | ${status.unacked} waiting for the hub` : ''}`;
}

export function slotLine(view: SlotView, width: number, now = Date.now()): string {
  const parts = [view.name.padEnd(width), view.state.padEnd(8)];
  if (view.state === 'running' || view.state === 'stopping') {
    parts.push(`pid ${view.pid ?? '?'}`, `up ${duration(now - (view.startedAt ?? now))}`);
    parts.push(workSummary(view) ?? 'starting');
  } else if (view.state === 'backoff') {
    parts.push(`restarting in ${formatDelay(Math.max(0, (view.nextStartAt ?? now) - now))} (exited with ${view.lastExit ?? '?'})`);
  } else if (view.state === 'stopped' && view.lastExit) {
    parts.push(`exited with ${view.lastExit}`);
  }
  if (view.restarts > 0) parts.push(`restarts ${view.restarts}`);
  return parts.join('  ');
}

export interface SwarmViewOptions {
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
  /** Redraw in place (stdout is a terminal). */
  tty: boolean;
  /** Do not forward agent log lines. */
  quiet: boolean;
}

export class SwarmView {
  private views: SlotView[] = [];
  private drawn = 0;
  private redrawTimer: NodeJS.Timeout | null = null;
  private readonly ticker: NodeJS.Timeout | null;
  private readonly printed = new Map<string, { text: string; at: number; timer: NodeJS.Timeout | null }>();
  private closed = false;

  constructor(private readonly options: SwarmViewOptions) {
    this.ticker = options.tty ? setInterval(() => this.redraw(), TICK_MS) : null;
    this.ticker?.unref();
  }

  setViews(views: SlotView[]): void {
    this.views = views;
    this.scheduleRedraw();
  }

  /** A line of ours (lifecycle, notices) on stdout. */
  say(line: string): void {
    this.above(this.options.out, line);
  }

  log(view: SlotView, line: string): void {
    if (!this.options.quiet) this.above(this.options.err, `[${view.name}] ${line}`);
  }

  lifecycle(view: SlotView, message: string): void {
    this.say(`${view.name}: ${message}`);
  }

  change(view: SlotView): void {
    if (this.options.tty) this.scheduleRedraw();
    else this.plainChange(view);
  }

  /** Final drawing; stops the timers. */
  close(): void {
    if (this.redrawTimer) clearTimeout(this.redrawTimer);
    if (this.ticker) clearInterval(this.ticker);
    for (const entry of this.printed.values()) if (entry.timer) clearTimeout(entry.timer);
    if (this.options.tty) this.redraw();
    this.closed = true;
  }

  private width(): number {
    return Math.max(...this.views.map((v) => v.name.length), 4);
  }

  private above(stream: NodeJS.WriteStream, line: string): void {
    if (this.closed || !this.options.tty) {
      stream.write(`${line}\n`);
      return;
    }
    this.erase();
    stream.write(`${line}\n`);
    this.draw();
  }

  private scheduleRedraw(): void {
    if (!this.options.tty || this.closed || this.redrawTimer) return;
    this.redrawTimer = setTimeout(() => {
      this.redrawTimer = null;
      this.redraw();
    }, REDRAW_MS);
  }

  private redraw(): void {
    if (this.closed) return;
    this.erase();
    this.draw();
  }

  /** Moves up over the block drawn last and clears it. */
  private erase(): void {
    if (this.drawn > 0) this.options.out.write(`\x1b[${this.drawn}A\r\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    // Lines are cut to the terminal width: a wrapped line would break the count used to move back up.
    const columns = Math.max(20, (this.options.out.columns || 100) - 1);
    const lines = this.views.map((v) => slotLine(v, this.width()).slice(0, columns));
    if (lines.length === 0) return;
    this.options.out.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }

  /** Without a terminal: the agent's counters when they change, at most once a second per agent. */
  private plainChange(view: SlotView): void {
    const text = view.state === 'running' ? workSummary(view) : null;
    if (!text || this.closed) return;
    const entry = this.printed.get(view.name) ?? { text: '', at: 0, timer: null };
    this.printed.set(view.name, entry);
    if (entry.timer || entry.text === text) return;
    const print = () => {
      entry.timer = null;
      const latest = view.state === 'running' ? workSummary(view) : null;
      if (!latest || latest === entry.text || this.closed) return;
      entry.text = latest;
      entry.at = Date.now();
      this.options.out.write(`${view.name}: ${latest}\n`);
    };
    const wait = entry.at + PLAIN_THROTTLE_MS - Date.now();
    if (wait <= 0) print();
    else entry.timer = setTimeout(print, wait);
  }
}
