/**
 * Follows a run to its end through the hub's event stream, across hub restarts: the connection is
 * a HubLink, and every new connection subscribes again and re-reads the run, since the events sent
 * while the hub was away are lost.
 */
import type { ClientAddress } from '../config.js';
import type { HubEvent, Task } from '../queue/types.js';
import type { HubClient } from '../wire/client.js';
import { HubLink } from '../agent/hub-link.js';
import { RunProgress } from './progress.js';

// `enqueued`: check tasks (command, judge) join the run while it runs.
const TASK_EVENTS = ['enqueued', 'leased', 'acked', 'cancelled', 'expired', 'released'] as const;
/**
 * A dropped connection tells nobody until something is sent on it, so while waiting for events the
 * follower says `hello` this often; a failure makes the link reconnect (and re-read the run).
 */
const LIVENESS_MS = 2000;

export interface FollowOptions {
  log: (line: string) => void;
  onProgress?: (progress: RunProgress) => void;
  /**
   * Backends whose tasks wait while no agent serves them (their remote agent went away): returns
   * those it started an agent for; the others are reported with what to do.
   */
  takeOver?: (backends: string[]) => Promise<string[]>;
}

/** Every this many liveness ticks, backends with waiting tasks and no agent are looked for. */
const STALL_CHECK_TICKS = 5;

export class RunFollower {
  readonly link: HubLink;
  private runId: string | undefined;
  private progress: RunProgress | undefined;
  /** Events that arrive while the run is being (re-)read, applied after the snapshot. */
  private buffered: Task[] = [];
  private syncing = true;
  private wake: (() => void) | undefined;
  private connections = 0;
  /** Backends already reported as unserved or taken over. */
  private readonly handled = new Set<string>();

  constructor(address: ClientAddress, private readonly options: FollowOptions) {
    this.link = new HubLink(address, { log: options.log, onConnect: (client) => this.onConnect(client) });
  }

  private async onConnect(client: HubClient): Promise<void> {
    this.syncing = true;
    this.buffered = [];
    await client.subscribe((event) => this.onEvent(event), [...TASK_EVENTS]);
    if (this.connections++ > 0) this.options.log(`reconnected to the hub${this.runId ? `; following run ${this.runId} again` : ''}`);
    if (this.runId !== undefined) await this.sync(client, this.runId);
  }

  private onEvent(event: HubEvent): void {
    if (!('task' in event)) return;
    if (this.syncing || !this.progress) this.buffered.push(event.task);
    else if (this.progress.update(event.task)) this.changed();
  }

  /** The run as the hub has it, then what happened meanwhile (events come after the answer they follow). */
  private async sync(client: HubClient, runId: string): Promise<void> {
    const record = await client.call('run_get', { run_id: runId });
    this.progress ??= new RunProgress(
      record.tasks.map((t) => ({ task_id: t.task_id, backend: t.backend, prompt_id: t.prompt_id, expect: t.expect })),
      Date.now(),
      null,
      runId,
    );
    for (const t of record.tasks) this.progress.update(t);
    this.progress.addCheckTasks(record.check_tasks);
    for (const t of this.buffered) this.progress.update(t);
    this.buffered = [];
    this.syncing = false;
    this.changed();
  }

  private changed(): void {
    if (!this.progress) return;
    this.options.onProgress?.(this.progress);
    if (this.progress.finished) this.wake?.();
  }

  /** Connects and subscribes; call before creating the run so that none of its events is missed. */
  async connect(): Promise<HubClient> {
    return this.link.get();
  }

  /** Resolves once every task of the run has ended, reconnecting to the hub as often as needed. */
  async until(runId: string): Promise<void> {
    this.runId = runId;
    let ticks = 0;
    await this.link.call((client) => this.sync(client, runId));
    while (!this.progress?.finished) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        timer = setTimeout(resolve, LIVENESS_MS);
      });
      clearTimeout(timer);
      this.wake = undefined;
      if (!this.progress?.finished) await this.link.call((client) => client.call('hello'));
      if (!this.progress?.finished && ++ticks % STALL_CHECK_TICKS === 0) await this.handleUnservedBackends();
    }
  }

  /**
   * A backend whose tasks wait while no agent serves it (a remote agent went away, say) would wait
   * forever without a word: an agent in this process takes it over when it can, else the user is
   * told once per backend what to do.
   */
  private async handleUnservedBackends(): Promise<void> {
    const waiting = (this.progress?.perBackend() ?? []).filter((b) => b.queued > 0 && b.running === 0 && !this.handled.has(b.backend));
    if (waiting.length === 0) return;
    const { workers } = await this.link.call((client) => client.call('workers'));
    const served = new Set(workers.filter((w) => w.waiting || w.running.length > 0).flatMap((w) => w.backends));
    const unserved = waiting.filter((b) => !served.has(b.backend));
    if (unserved.length === 0) return;
    for (const b of unserved) this.handled.add(b.backend);
    const takenOver = new Set(await (this.options.takeOver?.(unserved.map((b) => b.backend)) ?? Promise.resolve([])));
    for (const b of unserved) {
      if (takenOver.has(b.backend)) this.options.log(`no agent serves ${b.backend} any more: its ${b.queued} waiting task(s) now run in this process`);
      else this.options.log(`no agent serves ${b.backend} right now: its ${b.queued} task(s) wait. Start one (mittelo agent --backend ${b.backend}) or press Ctrl-C to cancel the run`);
    }
  }

  close(): void {
    this.link.close();
  }
}
