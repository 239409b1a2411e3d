/**
 * Stops a CLI early when its own live output says it cannot succeed: Codex without network keeps
 * printing "Reconnecting..." until the per-task timeout (10 minutes by default). After a bounded
 * number of such lines, or a bounded time since the first one, the run is aborted and classified
 * from those lines instead of ending as a bare timeout.
 */
import type { DriverCall, FailureClass } from './types.js';
import type { OutputStream } from './run/types.js';

/** What a driver declares: lines that mean "still failing", and the class they mean. */
export interface GiveUpRule {
  failure: FailureClass;
  pattern: RegExp;
  /** For the message: "kept saying it cannot reach the network". */
  meaning: string;
}

export interface GiveUpLimits {
  /** Matching lines before the run is stopped. */
  lines: number;
  /** Seconds after the first matching line before the run is stopped. */
  seconds: number;
}

export const DEFAULT_GIVE_UP: GiveUpLimits = { lines: 3, seconds: 30 };

/** Backend options `give_up_after` (lines) and `give_up_seconds` override the defaults; 0 turns a limit off. */
export function giveUpLimits(call: DriverCall): GiveUpLimits {
  const read = (name: string, fallback: number): number => {
    const raw = call.options[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`backend option ${name} must be a number of ${name.endsWith('seconds') ? 'seconds' : 'lines'} >= 0, got ${JSON.stringify(raw)}`);
    return value;
  };
  return { lines: read('give_up_after', DEFAULT_GIVE_UP.lines), seconds: read('give_up_seconds', DEFAULT_GIVE_UP.seconds) };
}

export interface GiveUpVerdict {
  failure: FailureClass;
  message: string;
}

/** Watches live output line by line; aborts `signal` once the rule's limits are reached. */
export class GiveUpWatch {
  private readonly controller = new AbortController();
  private readonly partial: Record<OutputStream, string> = { stdout: '', stderr: '' };
  private matches = 0;
  private lastMatch = '';
  private firstAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  verdict: GiveUpVerdict | null = null;

  constructor(
    private readonly cli: string,
    private readonly rule: GiveUpRule,
    private readonly limits: GiveUpLimits,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Feed live output (any chunking); complete lines are matched. */
  readonly onOutput = (stream: OutputStream, text: string): void => {
    const lines = (this.partial[stream] + text).split('\n');
    this.partial[stream] = (lines.pop() ?? '').slice(-4096);
    for (const line of lines) if (this.rule.pattern.test(line)) this.matched(line);
  };

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private matched(line: string): void {
    if (this.verdict) return;
    this.matches += 1;
    this.lastMatch = line.trim().slice(0, 500);
    if (this.firstAt === null) {
      this.firstAt = Date.now();
      if (this.limits.seconds > 0) this.timer = setTimeout(() => this.giveUp(), this.limits.seconds * 1000);
    }
    if (this.limits.lines > 0 && this.matches >= this.limits.lines) this.giveUp();
  }

  private giveUp(): void {
    if (this.verdict) return;
    const seconds = ((Date.now() - (this.firstAt ?? Date.now())) / 1000).toFixed(1);
    const times = this.matches === 1 ? 'once' : `${this.matches} times`;
    this.verdict = {
      failure: this.rule.failure,
      message:
        `${this.cli} ${this.rule.meaning} (${times} in ${seconds} s; last: ${this.lastMatch}); stopped it instead of waiting for the task timeout ` +
        `(backend options give_up_after=${this.limits.lines}, give_up_seconds=${this.limits.seconds})`,
    };
    this.stop();
    this.controller.abort();
  }
}
