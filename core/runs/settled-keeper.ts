/**
 * Builds what is kept of settled runs (their compare record, summary and pass counts, and the
 * comparison with the run of their pack before them) in a worker thread, so a 30,000-task run
 * settling never blocks the hub's event loop (leases, acks, every client) for seconds. The worker
 * reads the database file through its own read-only connection (WAL lets it read beside the hub);
 * the hub stays the one writer: it writes the rows the worker sends back only while the runs are
 * still at the versions they were built from (RunService.applyKept). One run at a time, in order.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { KeptRows, RunKeeper } from './service.js';
import type { KeptRequest, KeptResponse } from './kept-worker.js';

const WORKER_FILE = 'kept-worker.js';

/**
 * The worker's script: beside this module once built (dist/core/runs/), or in dist/ when this module
 * runs from its TypeScript source (tests); null where neither exists (a bundle such as the desktop
 * app's main process), and keeping is done inline.
 */
export function keptWorkerScript(here = fileURLToPath(import.meta.url)): string | null {
  const dir = path.dirname(here);
  const beside = path.join(dir, WORKER_FILE);
  if (here.endsWith('.js') && fs.existsSync(beside)) return beside;
  if (here.endsWith('.ts')) {
    const root = path.resolve(dir, '..', '..');
    const built = path.join(root, 'dist', path.relative(root, dir), WORKER_FILE);
    if (fs.existsSync(built)) return built;
  }
  return null;
}

export interface SettledKeeperOptions {
  dbPath: string;
  script: string;
  /** Writes the rows built (RunService.applyKept); runs on the hub's thread. */
  apply: (rows: KeptRows) => void;
  log?: (line: string) => void;
}

/** Emits `started` (run id) when the worker begins a run, `kept` (run id) once its rows were handled, `closed`. */
export class SettledKeeper extends EventEmitter implements RunKeeper {
  private worker: Worker | null = null;
  /** Runs waiting to be built, by id, in the order asked (a run asked again keeps its place). */
  private readonly waiting = new Map<string, string>();
  private building: { runId: string; version: string } | null = null;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: SettledKeeperOptions) {
    super();
    // Every request waiting for a run (whenKept) listens a moment.
    this.setMaxListeners(0);
  }

  schedule(runId: string, version: string): void {
    if (this.closed) return;
    if (this.building?.runId === runId && this.building.version === version) return;
    this.waiting.set(runId, version);
    this.next();
  }

  /**
   * Resolves once the runs among `runIds` (every run if not given) that are being built or wait to
   * be now have been handled (or the keeper closed); null when none is.
   */
  whenKept(runIds?: readonly string[]): Promise<void> | null {
    const queued = [...(this.building ? [this.building.runId] : []), ...this.waiting.keys()];
    const pending = new Set(runIds ? queued.filter((id) => runIds.includes(id)) : queued);
    if (pending.size === 0) return null;
    return new Promise((resolve) => {
      const finish = () => {
        this.off('kept', handled);
        this.off('closed', finish);
        resolve();
      };
      const handled = (runId: string) => {
        pending.delete(runId);
        if (pending.size === 0) finish();
      };
      this.on('kept', handled);
      this.on('closed', finish);
    });
  }

  /** Resolves once nothing is being built or waits to be (tests, benchmarks, a clean stop). */
  idle(): Promise<void> {
    if (!this.building && this.waiting.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops the worker; a build under way is dropped (the next read of its run builds it again). */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting.clear();
    const worker = this.worker;
    this.worker = null;
    this.building = null;
    this.emit('closed');
    if (worker) await worker.terminate();
    this.settleIdle();
  }

  private next(): void {
    if (this.closed || this.building) return;
    const first = this.waiting.entries().next().value;
    if (!first) {
      this.settleIdle();
      return;
    }
    const [runId, version] = first;
    this.waiting.delete(runId);
    this.building = { runId, version };
    const request: KeptRequest = { run_id: runId };
    this.ensureWorker().postMessage(request);
    this.emit('started', runId);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.options.script, { workerData: { dbPath: this.options.dbPath } });
    // Building kept rows is never a reason to keep the process alive.
    worker.unref();
    worker.on('message', (response: KeptResponse) => this.onResponse(response));
    worker.on('error', (err: unknown) => this.onWorkerGone(worker, `failed: ${err instanceof Error ? err.message : String(err)}`));
    worker.on('exit', (code) => this.onWorkerGone(worker, `exited with code ${code}`));
    this.worker = worker;
    return worker;
  }

  private onResponse(response: KeptResponse): void {
    const runId = response.run_id;
    if (this.building?.runId !== runId) return;
    this.building = null;
    if ('error' in response) {
      this.options.log?.(`keeping run ${runId} failed in the worker: ${response.error}`);
    } else if (response.rows) {
      try {
        this.options.apply(response.rows);
      } catch (err) {
        // Never fatal: the next read of the run builds and keeps it inline.
        this.options.log?.(`keeping run ${runId} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.emit('kept', runId);
    this.next();
  }

  private onWorkerGone(worker: Worker, why: string): void {
    if (this.worker !== worker) return;
    this.worker = null;
    const lost = this.building;
    this.building = null;
    if (this.closed) return;
    this.options.log?.(`the worker keeping settled runs ${why}${lost ? ` while building run ${lost.runId}` : ''}`);
    if (lost) this.emit('kept', lost.runId);
    this.next();
  }

  private settleIdle(): void {
    if (this.building || this.waiting.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
