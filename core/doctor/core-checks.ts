/**
 * The machine checks every mittelo needs, whatever backends it runs: Node, the SQLite driver,
 * a writable database (created if missing, a corrupt one reported and left untouched) and free
 * hub ports (a port held by a mittelo hub that answers `hello` counts as fine).
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { confineMode, probeConfinement } from '../../drivers/run/confine.js';
import { containmentMode, probeContainment } from '../../drivers/run/containment.js';
import { errorMessage } from '../errors.js';
import { compareVersions } from '../lock/semver.js';
import type { Db } from '../store/database.js';
import type { CoreCheck } from './types.js';

export const MIN_NODE = '20.19.0';
const PROBE_TIMEOUT_MS = 2000;

export function checkNode(version: string = process.versions.node): CoreCheck {
  const order = compareVersions(version, MIN_NODE);
  const ok = order !== null && order >= 0;
  return {
    check: 'node',
    status: ok ? 'ok' : 'fail',
    summary: ok ? `Node ${version} (>= ${MIN_NODE})` : `Node ${version} is older than ${MIN_NODE}: install Node 20.19 or newer`,
    details: { version, minimum: MIN_NODE, executable: process.execPath },
  };
}

/**
 * How task processes are held together on this machine (drivers/run/containment.ts), tried for
 * real. Informational (every mechanism works, the better ones also catch what leaves the group),
 * except for an unknown MITTELO_CONTAINMENT, which would fail every run.
 */
export function checkContainment(env: NodeJS.ProcessEnv = process.env): CoreCheck {
  const chosen = env.MITTELO_CONTAINMENT?.trim();
  let confine: ReturnType<typeof confineMode>;
  try {
    containmentMode(env);
    confine = confineMode(env);
  } catch (err) {
    // Every run (or every system test) would fail with this error: say it here first.
    return { check: 'containment', status: 'fail', summary: errorMessage(err), details: { mechanism: null, override: chosen ?? null, workdirs: null } };
  }
  const probe = probeContainment();
  const override = chosen && chosen !== 'auto' ? `; MITTELO_CONTAINMENT=${chosen} is set` : '';
  const workdirs = workdirsLine(confine);
  return {
    check: 'containment',
    status: confine === 'on' && workdirs.mode !== 'contained' ? 'fail' : 'ok',
    summary: `task processes: ${probe.detail}${override}; system-test workdirs: ${workdirs.text}`,
    details: { mechanism: probe.mechanism, override: chosen || null, workdirs: workdirs.mode },
  };
}

/** How system tests are kept inside their workdirs here (drivers/run/confine.ts). */
function workdirsLine(mode: ReturnType<typeof confineMode>): { mode: 'contained' | 'detected_only'; text: string } {
  if (mode === 'off') return { mode: 'detected_only', text: 'writes outside are detected after the task (MITTELO_CONFINE_WORKDIRS=off)' };
  const probe = probeConfinement();
  if (probe.available) return { mode: 'contained', text: `contained, ${probe.detail}` };
  return { mode: 'detected_only', text: `writes outside are detected after the task, not stopped (${probe.detail})${mode === 'on' ? '; MITTELO_CONFINE_WORKDIRS=on makes every system test fail' : ''}` };
}

/** Loads better-sqlite3 (a native module: an ABI mismatch after a Node upgrade shows here) and asks SQLite its version. */
export async function checkSqlite(): Promise<CoreCheck> {
  try {
    const { default: Database } = await import('better-sqlite3');
    const memory = new Database(':memory:');
    const row = memory.prepare('SELECT sqlite_version() AS version').get() as { version: string };
    memory.close();
    return { check: 'sqlite', status: 'ok', summary: `better-sqlite3 loads, SQLite ${row.version}`, details: { sqlite_version: row.version, node_abi: process.versions.modules } };
  } catch (err) {
    return {
      check: 'sqlite',
      status: 'fail',
      summary: `better-sqlite3 does not load (${errorMessage(err)}); rebuild it for this Node: npm rebuild better-sqlite3`,
      details: { sqlite_version: null, node_abi: process.versions.modules },
    };
  }
}

/** The pid in `<db>.hub.lock` when a hub holds this database, for the report. */
function hubHolder(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(`${file}.hub.lock`, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Opens the database the way the hub does (migrations applied; a missing file is created) and
 * proves it takes a write with a rolled-back insert. Returns the open handle for the history row.
 */
export async function checkDatabase(file: string): Promise<{ check: CoreCheck; db: Db | null }> {
  const resolved = path.resolve(file);
  const existed = fs.existsSync(resolved);
  const details: CoreCheck['details'] = { path: resolved, created: false, schema_version: null, hub_pid: hubHolder(resolved) };
  let db: Db;
  try {
    const { openDatabase } = await import('../store/database.js');
    db = openDatabase(resolved);
  } catch (err) {
    return { check: { check: 'database', status: 'fail', summary: errorMessage(err), details }, db: null };
  }
  details.created = !existed;
  details.schema_version = Number(db.pragma('user_version', { simple: true }));
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.prepare("INSERT INTO doctor_runs (created_at, host, ok, report) VALUES (0, 'write probe', 0, '{}')").run();
    } finally {
      db.exec('ROLLBACK');
    }
  } catch (err) {
    db.close();
    return { check: { check: 'database', status: 'fail', summary: `${resolved} opens but does not take a write: ${errorMessage(err)}`, details }, db: null };
  }
  const holder = details.hub_pid !== null ? `, in use by the hub (pid ${details.hub_pid})` : '';
  const summary = `${resolved} ${existed ? 'opens' : 'was created'} and is writable (schema ${details.schema_version})${holder}`;
  return { check: { check: 'database', status: 'ok', summary, details }, db };
}

/** Resolves with null when the port could be bound (then released at once), else the error code. */
function tryListen(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(null)));
  });
}

/**
 * Who holds a JSONL port: a mittelo hub says so in its `hello`; anything else is another program.
 * A raw socket rather than HubClient: a silent program must not keep this process alive.
 */
function jsonlHolder(host: string, port: number, token: string | undefined): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host, port });
    let buffer = '';
    const done = (holder: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(holder);
    };
    const timer = setTimeout(() => done(null), PROBE_TIMEOUT_MS);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify({ id: 1, method: 'hello', params: token ? { token } : {} })}\n`));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline === -1) return;
      try {
        const answer = JSON.parse(buffer.slice(0, newline)) as { result?: { server?: unknown; version?: unknown } | null; error?: { code?: unknown } | null };
        if (answer.result?.server === 'mittelo') done(`a mittelo hub${typeof answer.result.version === 'string' ? ` ${answer.result.version}` : ''}`);
        // A hub that wants a token still answers in its own words.
        else done(answer.error?.code === 'unauthorized' ? 'a mittelo hub (it requires a token: pass --token)' : null);
      } catch {
        done(null);
      }
    });
    socket.on('error', () => done(null));
    socket.on('close', () => done(null));
  });
}

/** Who holds a REST port: a hub's REST adapter answers GET /health with {"ok": true}. */
function restHolder(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/health', timeout: PROBE_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        try {
          const parsed = JSON.parse(body) as { ok?: unknown };
          resolve(res.statusCode === 200 && parsed.ok === true ? "a mittelo hub's REST adapter" : null);
        } catch {
          resolve(null);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

export async function checkPort(role: 'jsonl' | 'rest', host: string, port: number, token?: string): Promise<CoreCheck> {
  const check = role === 'jsonl' ? 'jsonl_port' : 'rest_port';
  const what = role === 'jsonl' ? 'hub port' : 'REST port';
  const details: CoreCheck['details'] = { host, port, held_by: null };
  const error = await tryListen(host, port);
  if (error === null) return { check, status: 'ok', summary: `${what} ${host}:${port} is free`, details };
  if (error !== 'EADDRINUSE') return { check, status: 'fail', summary: `${what} ${host}:${port} cannot be used: ${error}`, details };
  const holder = role === 'jsonl' ? await jsonlHolder(host, port, token) : await restHolder(host, port);
  details.held_by = holder ?? 'another program';
  if (holder) return { check, status: 'ok', summary: `${what} ${host}:${port} is in use by ${holder}: the hub is already running`, details };
  return {
    check,
    status: 'fail',
    summary: `${what} ${host}:${port} is in use by another program (no mittelo hub answered there): stop it or give the hub another ${role === 'jsonl' ? '--port' : '--rest-port'}`,
    details,
  };
}
