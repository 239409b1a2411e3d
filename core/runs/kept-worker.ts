/**
 * The worker thread of core/runs/settled-keeper.ts: builds a settled run's kept rows from the
 * database file through a read-only connection of its own, the same way the hub builds them inline
 * (RunService.keptRows), and sends them back; the hub writes them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { TaskQueue } from '../queue/queue.js';
import { RunService, type KeptRows } from './service.js';

export interface KeptRequest {
  run_id: string;
}

export type KeptResponse = { run_id: string; rows: KeptRows | null } | { run_id: string; error: string };

/** Waits this long for the hub's writes (WAL readers rarely wait at all). */
const BUSY_TIMEOUT_MS = 5000;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function openRuns(dbPath: string): RunService {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // The queue is only there because RunService reads through it; nothing here leases or writes.
  return new RunService(db, new TaskQueue(db, { leaseSeconds: 60 }), { kind: 'none' });
}

function serve(port: NonNullable<typeof parentPort>, dbPath: string): void {
  let runs: RunService | undefined;
  port.on('message', (request: KeptRequest) => {
    let response: KeptResponse;
    try {
      // Opened on the first request, so a file that cannot be read is answered with why, per run.
      runs ??= openRuns(dbPath);
      response = { run_id: request.run_id, rows: runs.keptRows(request.run_id) };
    } catch (err) {
      response = { run_id: request.run_id, error: `${dbPath}: ${message(err)}` };
    }
    port.postMessage(response);
  });
}

if (parentPort) serve(parentPort, (workerData as { dbPath: string }).dbPath);
