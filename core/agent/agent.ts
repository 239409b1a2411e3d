/**
 * The agent: leases tasks for the backends it serves, runs each through its driver, streams output
 * to the hub while it runs, heartbeats long runs, and acks with the artifact. It rides out hub
 * restarts (reconnects with backoff, retries acks so no finished result is lost) and stops cleanly:
 * `finish` lets running tasks end, `release` kills them and gives their leases back.
 */
import type { ClientAddress } from '../config.js';
import { HubError, errorMessage } from '../errors.js';
import type { HubEvent, LeasedTask } from '../queue/types.js';
import type { OutputStream } from '../../drivers/run/types.js';
import { HubClient } from '../wire/client.js';
import { ProcessLedger } from '../../drivers/run/ledger.js';
import { describeHub, detectHubFeatures, type HubFeatures } from '../wire/features.js';
import { ackFitting } from './ack-size.js';
import { crashedAck, executeTask, type ReadyBackend, type TaskAck, type TaskRunSettings } from './execute.js';
import { HubLink, LinkClosedError } from './hub-link.js';
import { POLL_INTERVAL_MS, backendsToServe, fallbackNotice, leaseSecondsFor, withTaskDefaults, type WireLeasedTask } from './hub-fallbacks.js';
import { OutputPump } from './output-pump.js';
import { reapLeftovers } from './reap.js';
import { removeRunWorkdirs, workdirsBase } from './workdirs.js';
import { StartRate, pause } from './start-rate.js';

export interface ServedBackend extends ReadyBackend {
  /** Tasks of this backend at once (default 1). */
  concurrency: number;
  /** Started tasks per minute at most. */
  ratePerMinute?: number;
}

export interface AgentOptions {
  address: ClientAddress;
  backends: ServedBackend[];
  workerId: string;
  /** Tasks at once across all backends (default: the sum of the backends' own caps). */
  concurrency?: number;
  leaseSeconds: number;
  /** How long one lease call waits for work (long poll). */
  waitSeconds?: number;
  /** Stop after starting this many tasks. */
  maxTasks?: number;
  /** One lease round per backend without waiting, run what came, then stop. */
  once?: boolean;
  log?: (line: string) => void;
  /** Called whenever the counts below change (swarm status lines, the UI). */
  onStatus?: (status: AgentStatus) => void;
  run?: TaskRunSettings['run'];
  /** Workspace checks of system tests this agent runs (none when absent). */
  allowedChecks?: TaskRunSettings['allowedChecks'];
  /**
   * Where task processes are noted while they run, so that the next agent reaps them should this
   * one die without ending them (default: the user's state folder, MITTELO_STATE_DIR; null: none).
   */
  ledger?: ProcessLedger | null;
}

export interface AgentStatus {
  worker_id: string;
  running: { task_id: number; backend: string }[];
  done: number;
  failed: number;
  /** Finished but not yet accepted by the hub (it is away). */
  unacked: number;
  stopping: boolean;
}

interface RunningTask {
  task: LeasedTask;
  backend: ServedBackend;
  controller: AbortController;
  /** Set when the task was given back (release stop) or taken away (cancel, lost lease): no ack. */
  abandoned?: 'cancelled' | 'released' | 'lost';
  /** Its process has ended: from here on a release stop no longer throws its result away. */
  ended?: boolean;
  done: Promise<void>;
}

const DEFAULT_WAIT_SECONDS = 10;

export class Agent {
  private readonly work: HubLink;
  private readonly leaseLinks: HubLink[] = [];
  private readonly running = new Map<number, RunningTask>();
  /** Processes running now, per backend and in all: a slot frees when its process ends, not when the hub has the ack. */
  private readonly runningPerBackend = new Map<string, number>();
  private processes = 0;
  private readonly rates = new Map<string, StartRate>();
  private readonly slotWaiters = new Set<() => void>();
  private started = 0;
  private done = 0;
  private failed = 0;
  private unacked = 0;
  private stopping = false;
  /** Ends the pauses between leases (rate limit, retry after an error) when the agent stops. */
  private readonly stopped = new AbortController();
  /** Leases given back (tasks leased beyond a cap or after stopping), awaited before the link closes. */
  private readonly givingBack = new Set<Promise<void>>();
  private readonly totalSlots: number;
  private readonly ledger: ProcessLedger | null;
  /** What the hub offers (asked on every connect); until then, nothing beyond the floor. */
  private features: HubFeatures | undefined;
  private lastNotice: string | null = null;

  constructor(private readonly options: AgentOptions) {
    if (options.backends.length === 0) throw new HubError('bad_request', 'an agent needs at least one backend');
    this.ledger = options.ledger === undefined ? new ProcessLedger() : options.ledger;
    this.totalSlots = options.concurrency ?? options.backends.reduce((sum, b) => sum + b.concurrency, 0);
    for (const backend of options.backends) {
      if (backend.ratePerMinute) this.rates.set(backend.name, new StartRate(backend.ratePerMinute));
    }
    this.work = new HubLink(options.address, {
      log: (line) => this.log(line),
      onConnect: async (client) => {
        this.adopt(client, await detectHubFeatures(client));
        // Cancellations reach the agent at once, not at the next heartbeat; deleted runs take the
        // system-test workdirs this agent kept for them (on its machine, out of the hub's reach).
        if (this.has('subscribe')) await client.subscribe((event) => this.onEvent(event), this.has('runs_deleted') ? ['cancelled', 'runs_deleted'] : ['cancelled']);
      },
    });
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** Takes the hub's features; says what is off once (and again only if a reconnect finds another hub). */
  private adopt(client: HubClient, features: HubFeatures): void {
    this.features = features;
    const notice = fallbackNotice(describeHub(client, features), features, this.options.backends, this.options.leaseSeconds);
    if (notice !== null && notice !== this.lastNotice) this.log(notice);
    this.lastNotice = notice;
  }

  private has(feature: Parameters<HubFeatures['has']>[0]): boolean {
    return this.features?.has(feature) ?? false;
  }

  status(): AgentStatus {
    return {
      worker_id: this.options.workerId,
      running: [...this.running.values()].map((r) => ({ task_id: r.task.task_id, backend: r.backend.name })),
      done: this.done,
      failed: this.failed,
      unacked: this.unacked,
      stopping: this.stopping,
    };
  }

  private changed(): void {
    this.options.onStatus?.(this.status());
  }

  /** Serves until stopped, `--once` is done or `--max-tasks` were run; resolves when all acks are in. */
  async run(): Promise<AgentStatus> {
    // What a dead agent left running goes first; this agent's own work does not wait for it.
    const reaping = this.ledger
      ? reapLeftovers(this.ledger, (line) => this.log(line)).catch((err: unknown) => this.log(`could not reap leftover task processes: ${errorMessage(err)}`))
      : Promise.resolve();
    try {
      // `once` is one round, now: a hub that is not there is an error rather than something to wait for.
      if (this.options.once) (await HubClient.connect(this.options.address)).close();
      // A stop while the hub is not up yet ends the wait: nothing ran, nothing to ack.
      const connected = this.work.get();
      connected.catch(() => undefined);
      await Promise.race([connected, new Promise((resolve) => this.stopped.signal.addEventListener('abort', resolve, { once: true }))]);
      if (this.stopping) return this.status();
      const serving = this.features ? backendsToServe(this.options.backends, this.features) : this.options.backends;
      await Promise.all(serving.map((backend) => this.serve(backend)));
      while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
      await Promise.all(this.givingBack);
    } finally {
      for (const link of this.leaseLinks) link.close();
      // Said once if connected, so the hub lists it as gone rather than lost; never to a hub that does
      // not offer it (the original mittelo, an older hub of ours), which would log an unknown method.
      if (this.work.live && this.has('bye')) await this.work.callNow((client) => client.call('bye', { worker_id: this.options.workerId })).catch(() => undefined);
      this.work.close();
      await reaping;
    }
    return this.status();
  }

  /**
   * `finish`: lease nothing more, let running tasks end and ack them. `release`: also kill them and
   * give their leases back so another agent takes them at once.
   */
  async stop(mode: 'finish' | 'release' = 'finish'): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    this.endLeasing();
    if (mode === 'release') {
      // The lease goes back once the process is gone (see deliver), so no other worker starts the
      // task while this one still runs. A task whose process already ended is acked instead.
      for (const entry of this.running.values()) {
        if (entry.ended) continue;
        entry.abandoned ??= 'released';
        entry.controller.abort();
      }
    }
    this.changed();
  }

  /** No more leases: the lease links close, which also ends long polls in flight. */
  private endLeasing(): void {
    for (const link of this.leaseLinks) link.close();
    this.wakeSlotWaiters();
  }

  /**
   * A task leased that this agent will not run (another backend's loop took the last shared slot,
   * or the agent is stopping) goes straight back to the queue, its attempt not counted.
   */
  private giveBack(task: LeasedTask): void {
    const pending = this.work
      .call((client) =>
        this.has('release')
          ? client.release(task.task_id, task.lease_token)
          : this.ackUnfinished(client, task, 'not run: the agent was stopping when it leased this task'),
      )
      .then(
        () => undefined,
        (err: unknown) => this.log(`could not give back task ${task.task_id} (${errorMessage(err)}); it is leased again when its lease expires`),
      )
      .finally(() => this.givingBack.delete(pending));
    this.givingBack.add(pending);
  }

  private onEvent(event: HubEvent): void {
    if (event.type === 'runs_deleted') {
      removeRunWorkdirs(workdirsBase(), event.run_ids).catch((err: unknown) => this.log(`could not remove the workdirs of deleted runs ${event.run_ids.join(', ')}: ${errorMessage(err)}`));
      return;
    }
    if (event.type !== 'cancelled') return;
    const entry = this.running.get(event.task.task_id);
    if (!entry) return;
    entry.abandoned ??= 'cancelled';
    this.log(`task ${event.task.task_id} was cancelled; stopping its process`);
    entry.controller.abort();
  }

  private freeSlots(backend: ServedBackend): number {
    const own = backend.concurrency - (this.runningPerBackend.get(backend.name) ?? 0);
    const total = this.totalSlots - this.processes;
    const budget = this.options.maxTasks === undefined ? Infinity : this.options.maxTasks - this.started;
    return Math.max(0, Math.min(own, total, budget));
  }

  private waitForSlot(): Promise<void> {
    return new Promise((resolve) => this.slotWaiters.add(resolve));
  }

  private wakeSlotWaiters(): void {
    const waiters = [...this.slotWaiters];
    this.slotWaiters.clear();
    for (const wake of waiters) wake();
  }

  private budgetLeft(): boolean {
    return this.options.maxTasks === undefined || this.started < this.options.maxTasks;
  }

  private async serve(backend: ServedBackend): Promise<void> {
    const link = new HubLink(this.options.address, { log: (line) => this.log(line) });
    this.leaseLinks.push(link);
    while (!this.stopping && this.budgetLeft()) {
      const free = this.freeSlots(backend);
      if (free === 0) {
        await this.waitForSlot();
        continue;
      }
      const rate = this.rates.get(backend.name);
      if (rate) await rate.wait(this.stopped.signal);
      if (this.stopping) break;
      const maxTasks = rate ? 1 : free;
      let tasks: LeasedTask[];
      const longPoll = this.has('wait_seconds');
      try {
        const leased: WireLeasedTask[] = await link.call((client) =>
          client.lease({
            worker_id: this.options.workerId,
            max_tasks: maxTasks,
            lease_seconds: this.features ? leaseSecondsFor(backend, this.features, this.options.leaseSeconds) : this.options.leaseSeconds,
            ...(this.has('routing') ? { backends: [backend.name] } : {}),
            ...(longPoll ? { wait_seconds: this.options.once ? 0 : (this.options.waitSeconds ?? DEFAULT_WAIT_SECONDS) } : {}),
          }),
        );
        tasks = leased.map(withTaskDefaults);
      } catch (err) {
        if (err instanceof LinkClosedError || this.stopping || !this.budgetLeft()) break;
        this.log(`lease for ${backend.name} failed: ${errorMessage(err)}`);
        await pause(1000, this.stopped.signal);
        continue;
      }
      // Each backend leases on its own, so the shared caps (total, --max-tasks) are checked again
      // here: another backend may have used the slots while this lease was waiting for work.
      for (const task of tasks) {
        if (this.stopping || this.freeSlots(backend) === 0) this.giveBack(task);
        else this.start(backend, task);
      }
      if (!this.budgetLeft()) this.endLeasing();
      if (this.options.once) break;
      // A hub without long-poll answers at once: ask again a little later, not in a busy loop.
      if (!longPoll && tasks.length === 0) await pause(POLL_INTERVAL_MS, this.stopped.signal);
    }
  }

  private start(backend: ServedBackend, task: LeasedTask): void {
    this.started++;
    this.runningPerBackend.set(backend.name, (this.runningPerBackend.get(backend.name) ?? 0) + 1);
    this.processes++;
    let slotFreed = false;
    // The next lease overlaps this task's ack: the slot is about the CLI process, which has ended.
    const freeSlot = () => {
      if (slotFreed) return;
      slotFreed = true;
      this.processes--;
      this.runningPerBackend.set(backend.name, (this.runningPerBackend.get(backend.name) ?? 1) - 1);
      this.wakeSlotWaiters();
    };
    this.rates.get(backend.name)?.started();
    const controller = new AbortController();
    const entry: RunningTask = { task, backend, controller, done: Promise.resolve() };
    this.running.set(task.task_id, entry);
    this.changed();

    const pump = new OutputPump((stream: OutputStream, text: string) =>
      this.work.callNow((client) => client.output({ task_id: task.task_id, lease_token: task.lease_token, stream, text })).then((answer) => {
        if (answer.status === 'cancelled') this.onEvent({ seq: 0, type: 'cancelled', task: { ...task, status: 'cancelled' } });
      }),
    );
    // Without `extend` the lease already covers the task's whole timeout (leaseSecondsFor).
    const heartbeat = this.has('extend') ? setInterval(() => void this.heartbeat(entry), (this.options.leaseSeconds * 1000) / 2) : undefined;
    const settings: TaskRunSettings = {
      workerId: this.options.workerId,
      signal: controller.signal,
      ...(this.options.allowedChecks ? { allowedChecks: this.options.allowedChecks } : {}),
      ...(this.has('output') ? { onOutput: (stream: OutputStream, text: string) => pump.push(stream, text) } : {}),
      run: {
        ...this.options.run,
        ...(this.ledger ? { ledger: this.ledger } : {}),
        onNotice: (message: string) => this.log(`task ${task.task_id}: ${message}`),
      },
    };
    entry.done = executeTask(backend, task, settings)
      // Whatever went wrong, the task ends acked failed with the reason, never left leased.
      .catch((err: unknown) => crashedAck(backend, settings.workerId, 'running the task failed', errorMessage(err)))
      .then(async (ack) => {
        entry.ended = true;
        clearInterval(heartbeat);
        freeSlot();
        await pump.flush();
        await this.deliver(entry, ack);
      })
      .catch((err: unknown) => this.log(`task ${task.task_id}: ${errorMessage(err)}`))
      .finally(() => {
        clearInterval(heartbeat);
        pump.close();
        this.running.delete(task.task_id);
        freeSlot();
        this.changed();
      });
  }

  private async heartbeat(entry: RunningTask): Promise<void> {
    try {
      await this.work.call((client) => client.extend({ task_id: entry.task.task_id, lease_token: entry.task.lease_token, lease_seconds: this.options.leaseSeconds }));
    } catch (err) {
      if (err instanceof LinkClosedError) return;
      if (err instanceof HubError && (err.code === 'conflict' || err.code === 'stale_lease')) {
        entry.abandoned ??= err.code === 'conflict' ? 'cancelled' : 'lost';
        this.log(`task ${entry.task.task_id}: ${err.message}; stopping its process`);
        entry.controller.abort();
      }
    }
  }

  /** Acks until the hub has it: a finished result is never dropped because the hub was away. */
  private async deliver(entry: RunningTask, ack: TaskAck): Promise<void> {
    const { task } = entry;
    if (entry.abandoned === 'released') {
      try {
        await this.work.call((client) =>
          this.has('release')
            ? client.release(task.task_id, task.lease_token)
            : this.ackUnfinished(client, task, 'stopped: the agent was stopped before the task finished'),
        );
        this.log(this.has('release') ? `released task ${task.task_id}` : `task ${task.task_id} stopped before it finished; acked failed (this hub cannot take a task back)`);
      } catch (err) {
        if (err instanceof HubError && err.code === 'conflict') this.log(`task ${task.task_id} was no longer ours to release: ${err.message}`);
        else this.log(`could not release task ${task.task_id} (${errorMessage(err)}); it is leased again when its lease expires`);
      }
      return;
    }
    if (entry.abandoned) {
      this.log(`task ${task.task_id} ${entry.abandoned}; not acked`);
      return;
    }
    this.unacked++;
    this.changed();
    try {
      await ackFitting(
        ack,
        (fitting) =>
          this.work.call((client) =>
            client.ack({
              task_id: task.task_id,
              status: fitting.status,
              result: fitting.result,
              error: fitting.error,
              ...(task.lease_token ? { lease_token: task.lease_token } : {}),
              ...(this.has('artifact') ? { artifact: fitting.artifact } : {}),
            }),
          ),
        () => this.log(`ack of task ${task.task_id} is too long for the hub; sending less of its output`),
      );
      if (ack.status === 'done') this.done++;
      else this.failed++;
    } catch (err) {
      // The hub refused it (lease lost to another worker, task cancelled): its current state stands.
      this.log(`ack of task ${task.task_id} refused: ${errorMessage(err)}`);
    } finally {
      this.unacked--;
    }
  }

  /**
   * A hub without `release` cannot take a task back: rather than leave it leased until its long
   * lease runs out, it is acked failed with why, and `retry_failed` queues it again.
   */
  private ackUnfinished(client: HubClient, task: LeasedTask, why: string): Promise<unknown> {
    return client.ack({
      task_id: task.task_id,
      status: 'failed',
      result: null,
      error: `${why}; this hub cannot be given a task back (retry_failed queues it again)`,
      ...(task.lease_token ? { lease_token: task.lease_token } : {}),
    });
  }
}
