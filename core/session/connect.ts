/**
 * Connecting to the hub hub-address.ts names, or embedding one when nothing answers there: the
 * last rule of "finding a hub" (docs/ARCHITECTURE.md). An embedded hub runs in this process on the
 * workspace database, on a free loopback port, for as long as the caller's work lasts; the app's
 * own long-lived hub is open-hub.ts's.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ClientAddress } from '../config.js';
import { HubError, errorMessage } from '../errors.js';
import { HubClient } from '../wire/client.js';

/** When a session may start a hub of its own because none answers. */
export interface EmbedRule {
  dbPath: string;
  /** Also when the database does not exist yet (it is made); false: only on an existing one. */
  create: boolean;
  /** What the embedded hub is, said after "no hub at HOST:PORT; ", e.g. `started one in this process on ${db}`. */
  said: (db: string) => string;
}

export interface HubSession {
  /** Where the hub answers (the embedded one's loopback port when embedded). */
  address: ClientAddress;
  embedded: boolean;
  /** Stops the embedded hub; nothing for a hub that was running already. */
  stop: () => Promise<void>;
}

/** Runs `work` on one connection to the hub at `address`, then closes it. */
export async function withHub<T>(address: ClientAddress, work: (client: HubClient) => Promise<T>): Promise<T> {
  const client = await HubClient.connect(address);
  try {
    return await work(client);
  } finally {
    client.close();
  }
}

/** True when a mittelo hub answers at `address` (with its token) within 2 s. */
export async function answersAsHub(address: ClientAddress): Promise<boolean> {
  try {
    const client = await HubClient.connect(address, { timeoutMs: 2000 });
    try {
      const hello = await client.call('hello');
      return hello.server === 'mittelo';
    } finally {
      client.close();
    }
  } catch {
    return false;
  }
}

function unreachable(err: unknown): err is HubError {
  return err instanceof HubError && err.code === 'unreachable';
}

/**
 * The hub at `address` when it answers (the probe connection is closed at once), else, when `embed`
 * allows it, one started in this process on the workspace database. Any other failure (a wrong
 * token, say) is thrown as it is: starting a second hub would hide it.
 */
export async function openSession(address: ClientAddress, embed: EmbedRule | null, log: (line: string) => void): Promise<HubSession> {
  try {
    (await HubClient.connect(address)).close();
    return { address, embedded: false, stop: async () => undefined };
  } catch (err) {
    if (!unreachable(err) || embed === null || (!embed.create && !fs.existsSync(embed.dbPath))) throw err;
  }
  const { startHub } = await import('../hub.js');
  let hub;
  try {
    hub = await startHub({ dbPath: embed.dbPath, port: 0, log, ...(address.token ? { token: address.token } : {}) });
  } catch (err) {
    throw new HubError('unreachable', `no hub answers at ${address.host}:${address.port}, and the local database cannot be opened: ${errorMessage(err)}`);
  }
  log(`no hub at ${address.host}:${address.port}; ${embed.said(path.relative(process.cwd(), embed.dbPath) || embed.dbPath)}`);
  const embedded: ClientAddress = { host: hub.host, port: hub.port, ...(address.token ? { token: address.token } : {}) };
  return { address: embedded, embedded: true, stop: () => hub.stop() };
}

/** `work` on the hub at `address`, or on a hub embedded for it by `embed` (stopped afterwards). */
export async function withSession<T>(address: ClientAddress, embed: EmbedRule | null, log: (line: string) => void, work: (client: HubClient) => Promise<T>): Promise<T> {
  const session = await openSession(address, embed, log);
  try {
    return await withHub(session.address, work);
  } finally {
    await session.stop();
  }
}
