/** The hub process: one SQLite store, one queue, the JSONL server and the optional REST adapter. */
import { DEFAULT_HOST, DEFAULT_LEASE_SECONDS, DEFAULT_MAX_LINE_BYTES, DEFAULT_PORT } from './config.js';
import { HubError } from './errors.js';
import { TaskQueue } from './queue/queue.js';
import { RunService } from './runs/service.js';
import { keptWorkerScript, SettledKeeper } from './runs/settled-keeper.js';
import { watchSettling } from './runs/watch-settling.js';
import { CheckTaskScheduler } from './runs/check-tasks.js';
import { lockDatabase } from './store/db-lock.js';
import { databaseWritable, openDatabase, type Db } from './store/database.js';
import { describeMigration } from './store/original-schema.js';
import { assertBindAllowed, checkToken } from './wire/auth.js';
import { JsonlServer } from './wire/jsonl-server.js';
import type { MethodContext } from './wire/methods.js';
import { RestServer } from './wire/rest-server.js';
import { DEFAULT_SUBSCRIBER_LIMITS, SubscriberBudget, type SubscriberLimits } from './wire/subscriber-budget.js';

export interface HubOptions {
  dbPath: string;
  host?: string;
  port?: number;
  /** REST is off unless a port is given (0 = any free port). */
  restPort?: number;
  restHost?: string;
  leaseSeconds?: number;
  token?: string;
  maxLineBytes?: number;
  /** Bounds on live event streams (JSONL subscribe + REST /events); defaults in subscriber-budget.ts. */
  subscriberLimits?: Partial<SubscriberLimits>;
  log?: (line: string) => void;
}

export interface RunningHub {
  queue: TaskQueue;
  runs: RunService;
  /** Builds settled runs' kept rows off the event loop; absent where they are built inline. */
  keeper?: SettledKeeper;
  host: string;
  port: number;
  restUrl?: string;
  /** Resolves once the hub has stopped (after `stop()`, a `shutdown` request or a signal). */
  closed: Promise<void>;
  stop(): Promise<void>;
}

const EXPIRY_SWEEP_MS = 1000;

export async function startHub(options: HubOptions): Promise<RunningHub> {
  const host = options.host ?? DEFAULT_HOST;
  const restHost = options.restHost ?? host;
  // '' is "no token" (an unset variable); whitespace is a mistake, refused rather than trusted off loopback.
  const token = options.token ? checkToken(options.token, 'the hub token') : undefined;
  assertBindAllowed(host, token, '--host');
  if (options.restPort !== undefined) assertBindAllowed(restHost, token, '--rest-host');

  // One hub per database: the hub keeps rows and counts in memory, a second writer would falsify them.
  const dbLock = lockDatabase(options.dbPath);
  let db: Db;
  try {
    db = openDatabase(options.dbPath, { original: 'migrate', onMigrated: (migration) => options.log?.(describeMigration(migration)) });
  } catch (err) {
    dbLock.release();
    throw err;
  }
  if (!databaseWritable(options.dbPath)) {
    options.log?.(`database ${options.dbPath} is read-only: reads are served, every change is answered with a storage error`);
  }
  const queue = new TaskQueue(db, { leaseSeconds: options.leaseSeconds ?? DEFAULT_LEASE_SECONDS });
  // A settled run's kept rows are built in a worker thread reading the file (an in-memory database
  // or a bundle without the worker's script keeps them inline, on the first read).
  const script = options.dbPath === ':memory:' || !databaseWritable(options.dbPath) ? null : keptWorkerScript();
  const keeper = script ? new SettledKeeper({ dbPath: options.dbPath, script, apply: (rows) => runs.applyKept(rows), log: options.log }) : undefined;
  const runs = new RunService(db, queue, keeper ? { kind: 'deferred', keeper } : { kind: 'inline' });
  // Before the servers: its listener must come first (see CheckTaskScheduler).
  const checkScheduler = new CheckTaskScheduler(queue, options.log);
  const stopWatchingSettling = keeper ? watchSettling(queue.events, runs, options.log) : () => {};
  let stopping: Promise<void> | undefined;
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const context: MethodContext = {
    queue,
    runs,
    // Deferred so the `shutdown` caller gets its answer before the servers close.
    requestShutdown: () => void setImmediate(() => void stop()),
    maxLineBytes,
  };
  const subscribers = new SubscriberBudget({ ...DEFAULT_SUBSCRIBER_LIMITS, ...options.subscriberLimits });
  const jsonl = new JsonlServer({ context, events: queue.events, maxLineBytes, subscribers, token, log: options.log });
  const rest =
    options.restPort !== undefined
      ? new RestServer({ context, events: queue.events, maxBodyBytes: maxLineBytes, subscribers, token, log: options.log })
      : undefined;

  const sweep = setInterval(() => {
    try {
      queue.failExhaustedLeases();
      // Expired leases can be taken again: let long-poll leases see them.
      queue.wakeWaiters();
    } catch (err) {
      options.log?.(`lease expiry sweep failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }, EXPIRY_SWEEP_MS);
  sweep.unref();

  async function stop(): Promise<void> {
    stopping ??= (async () => {
      clearInterval(sweep);
      stopWatchingSettling();
      await keeper?.close();
      checkScheduler.close();
      queue.releaseWaiters();
      // Let the released long-poll answers reach their sockets before the servers close them.
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.all([jsonl.close(), rest?.close()]);
      db.close();
      dbLock.release();
      resolveClosed();
    })();
    return stopping;
  }

  try {
    const address = await jsonl.listen(host, options.port ?? DEFAULT_PORT);
    const restAddress = rest && options.restPort !== undefined ? await rest.listen(restHost, options.restPort) : undefined;
    const hub: RunningHub = { queue, runs, ...(keeper ? { keeper } : {}), host, port: address.port, closed, stop };
    if (restAddress) hub.restUrl = `http://${formatHost(restHost)}:${restAddress.port}`;
    return hub;
  } catch (err) {
    await stop();
    throw err instanceof HubError ? err : new HubError('internal', String(err));
  }
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
