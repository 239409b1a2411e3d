/**
 * The app's hub, by the rules of "finding a hub" (docs/ARCHITECTURE.md) seen from the app, whose
 * host and port options say where its own hub listens rather than where to look: the hub already
 * running on the workspace database when there is one (the DB lock names it; hub-address.ts says
 * where it listens), else its own on that database, long-lived, on the default loopback ports when
 * they are free and on a free port, said in words, when one is taken by something else.
 */
import net from 'node:net';
import type { ClientAddress } from '../config.js';
import { DEFAULT_HOST, DEFAULT_PORT } from '../config.js';
import { HubError, errorMessage } from '../errors.js';
import { startHub, type RunningHub } from '../hub.js';
import { hubLockOwner } from '../store/db-lock.js';
import { answersAsHub } from './connect.js';
import { hubAddress } from './hub-address.js';

/** The REST adapter's port next to the JSONL one (README: `--rest-port 8766`). */
export const DEFAULT_REST_PORT = 8766;

export interface OpenHubOptions {
  dbPath: string;
  host?: string;
  /** JSONL port; default 8765, 0 = any free port. */
  port?: number;
  /** REST port; default 8766, 0 = any free port, null = no REST adapter. */
  restPort?: number | null;
  token?: string;
  log: (line: string) => void;
}

export interface OpenedHub {
  /** The hub this process runs; null when the app uses one that was already running. */
  hub: RunningHub | null;
  address: ClientAddress;
  restUrl: string | null;
  /** What went differently from the defaults, in words (busy ports, an existing hub). */
  notes: string[];
}

/** True when nothing listens on host:port right now (a probe: bind, then let go). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

async function useRunningHub(options: OpenHubOptions, owner: number): Promise<OpenedHub> {
  // Where it listens by the rules of hub-address.ts: the port given, else the one its app recorded
  // (it may have moved off a taken default port), else the default; the token is the app's own.
  const found = hubAddress({ dbPath: options.dbPath, ...(options.host !== undefined ? { host: options.host } : {}), ...(options.port ? { port: options.port } : {}) });
  const address: ClientAddress = { host: found.host, port: found.port, ...(options.token ? { token: options.token } : {}) };
  if (!(await answersAsHub(address))) {
    throw new HubError(
      'database',
      `the workspace database ${options.dbPath} is in use by another hub (process ${owner}), which does not answer at ${address.host}:${address.port}; stop that hub, or start the app with the port it listens on`,
    );
  }
  const note = `a hub was already running on this workspace (process ${owner}); the app uses it at ${address.host}:${address.port}`;
  options.log(note);
  return { hub: null, address, restUrl: null, notes: [note] };
}

export async function openHub(options: OpenHubOptions): Promise<OpenedHub> {
  const host = options.host ?? DEFAULT_HOST;
  const owner = hubLockOwner(options.dbPath);
  if (owner !== null && owner !== process.pid) return useRunningHub(options, owner);

  const notes: string[] = [];
  let port = options.port ?? DEFAULT_PORT;
  let restPort = options.restPort === undefined ? DEFAULT_REST_PORT : options.restPort;
  if (port !== 0 && !(await portIsFree(host, port))) {
    notes.push(`port ${port} is used by another program; the hub listens on a free port instead`);
    port = 0;
  }
  if (restPort !== null && restPort !== 0 && !(await portIsFree(host, restPort))) {
    notes.push(`port ${restPort} is used by another program; the REST adapter listens on a free port instead`);
    restPort = 0;
  }
  let hub: RunningHub;
  try {
    hub = await startHub({
      dbPath: options.dbPath,
      host,
      port,
      ...(restPort !== null ? { restPort } : {}),
      ...(options.token ? { token: options.token } : {}),
      log: options.log,
    });
  } catch (err) {
    // Another hub took the database between the check and the start: use it after all.
    const lateOwner = hubLockOwner(options.dbPath);
    if (lateOwner !== null && lateOwner !== process.pid) return useRunningHub(options, lateOwner);
    throw err instanceof HubError ? err : new HubError('internal', `cannot start the hub: ${errorMessage(err)}`);
  }
  for (const note of notes) options.log(note);
  const address: ClientAddress = { host: hub.host, port: hub.port, ...(options.token ? { token: options.token } : {}) };
  return { hub, address, restUrl: hub.restUrl ?? null, notes };
}
