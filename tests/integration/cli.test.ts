/**
 * The built `mittelo` CLI as real child processes: client commands against an in-process hub, and
 * `mittelo hub` itself (refusals, damaged databases, signals, shutdown). Needs `npm run build` first.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stats, Task } from '../../core/queue/types.js';
import { cliPath, closedPort, connect, runCli, spawnHubProcess, startTestHub, tempDir as makeTempDir, type CliResult } from '../helpers.js';

type TestHub = Awaited<ReturnType<typeof startTestHub>>;

const hubs: TestHub[] = [];
const children: ChildProcess[] = [];
const dirs: string[] = [];

function tempDir(): string {
  const dir = makeTempDir();
  dirs.push(dir);
  return dir;
}

beforeAll(() => {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` before the CLI tests`);
});

// Tests run concurrently (each CLI run is a ~0.25 s node start), so everything is cleaned up once at the end.
afterAll(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.stop()));
  await Promise.all(
    children.splice(0).map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited(child);
      }
    }),
  );
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function hub(options: Parameters<typeof startTestHub>[0] = {}): Promise<TestHub> {
  const started = await startTestHub(options);
  hubs.push(started);
  dirs.push(path.dirname(started.dbPath));
  return started;
}

/** Client environment pointing at `port`, with any MITTELO_* from the caller's shell neutralised. */
function envFor(port: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { MITTELO_HOST: '127.0.0.1', MITTELO_PORT: String(port), MITTELO_TOKEN: '', MITTELO_DB: '', ...extra };
}

function mittelo(target: { port: number }, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(args, envFor(target.port, extra));
}

function json<T>(result: CliResult): T {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

function stderrLines(result: CliResult): string[] {
  return result.stderr.split('\n').filter((line) => line !== '');
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function hubProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; port: number }> {
  const started = await spawnHubProcess(args, { MITTELO_TOKEN: '', MITTELO_DB: '', ...env });
  children.push(started.child);
  return started;
}

/** A task that went through lease and ack with `status`. */
function finishedTask(target: TestHub, status: 'done' | 'failed', text: string): number {
  const { task_id: taskId } = target.queue.enqueue({ prompt: `to ${status}` });
  const [leased] = target.queue.lease({ worker_id: 'w', max_tasks: 1 });
  if (leased?.task_id !== taskId) throw new Error('expected to lease the task just queued');
  target.queue.ack({ task_id: taskId, status, result: status === 'done' ? text : null, error: status === 'failed' ? text : null });
  return taskId;
}

describe.concurrent('mittelo --help', () => {
  it('lists every command', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['hub', 'enqueue', 'status', 'get', 'stats', 'retry', 'cancel', 'shutdown']) {
      expect(result.stdout).toMatch(new RegExp(`^\\s+${command} `, 'm'));
    }
  });

  it.each([
    ['hub', ['--db', '--host', '--port', '--rest-port', '--rest-host', '--token', '--lease-seconds', '--print-url']],
    ['enqueue', ['--prompt', '--file', '--jsonl', '--backend', '--priority', '--max-attempts', '--host', '--port', '--token', '--json']],
    ['status', ['--status', '--limit', '--json', '--port']],
    ['get', ['<task-id>', '--json']],
    ['stats', ['--json', '--port']],
    ['retry', ['[task-id]', '--json']],
    ['cancel', ['<task-id...>']],
    ['shutdown', ['--host', '--port', '--token']],
  ])('`mittelo %s --help` prints its usage and options and exits 0', async (command, options) => {
    const result = await runCli([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')[0]).toMatch(new RegExp(`^Usage: mittelo ${command} `));
    for (const option of options) expect(result.stdout).toContain(option);
  });
});

describe.concurrent('mittelo enqueue', () => {
  it('--prompt queues one task and prints its id', async () => {
    const target = await hub();
    const result = await mittelo(target, ['enqueue', '--prompt', 'explain WAL mode']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const match = /^queued task (\d+)\n$/.exec(result.stdout);
    expect(match).not.toBeNull();
    expect(target.queue.get(Number(match?.[1]))).toMatchObject({ prompt: 'explain WAL mode', status: 'queued', backend: null, priority: 0, max_attempts: null });
  });

  it('--json prints the enqueue answer', async () => {
    const target = await hub();
    const answer = json<{ task_id: number; duplicate: boolean }>(await mittelo(target, ['enqueue', '--prompt', 'p', '--json']));
    expect(answer).toEqual({ task_id: expect.any(Number), duplicate: false });
    expect(target.queue.get(answer.task_id).prompt).toBe('p');
  });

  it('--backend (in its routing spelling: claude-code routes as claude_code), --priority, --max-attempts and --label are stored on the task', async () => {
    const target = await hub();
    const args = ['enqueue', '--prompt', 'routed', '--backend', 'claude-code', '--priority', '-3', '--max-attempts', '2', '--label', 'a', '--label', 'b', '--json'];
    const { task_id: taskId } = json<{ task_id: number }>(await mittelo(target, args));
    expect(target.queue.get(taskId)).toMatchObject({ backend: 'claude_code', priority: -3, max_attempts: 2, labels: ['a', 'b'] });
  });

  it('--file queues the whole file as one prompt', async () => {
    const target = await hub();
    const file = path.join(tempDir(), 'prompt.md');
    const text = '# Task\n\nRefactor the lease code.\n  keep indentation\n';
    fs.writeFileSync(file, text);
    const { task_id: taskId } = json<{ task_id: number }>(await mittelo(target, ['enqueue', '--file', file, '--json']));
    expect(target.queue.get(taskId).prompt).toBe(text);
  });

  it('--file naming a missing file fails with a message naming it', async () => {
    const target = await hub();
    const missing = path.join(tempDir(), 'nope.txt');
    const result = await mittelo(target, ['enqueue', '--file', missing]);
    expect(result.code).not.toBe(0);
    expect(stderrLines(result)).toEqual([expect.stringContaining(`cannot read --file ${missing}`)]);
    expect(target.queue.stats().queued).toBe(0);
  });

  it('--jsonl queues a pack in file order, per-line fields overriding the flags', async () => {
    const target = await hub();
    const pack = path.join(tempDir(), 'pack.jsonl');
    fs.writeFileSync(
      pack,
      [
        '{"prompt": "first", "id": "t1"}',
        '',
        '// a comment line',
        '{"prompt": "second", "backend": "codex", "priority": 9, "max_attempts": 4}',
        '{"prompt": "third", "labels": ["x"]}',
      ].join('\n'),
    );
    const result = await mittelo(target, ['enqueue', '--jsonl', pack, '--backend', 'echo', '--priority', '2']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const match = /^queued 3 tasks \((\d+)\.\.(\d+)\)\n$/.exec(result.stdout);
    expect(match).not.toBeNull();
    const tasks = target.queue.list({ limit: 0 }).reverse();
    expect(tasks.map((t) => t.task_id)).toEqual([Number(match?.[1]), Number(match?.[1]) + 1, Number(match?.[2])]);
    expect(tasks.map((t) => [t.prompt, t.backend, t.priority, t.max_attempts])).toEqual([
      ['first', 'echo', 2, null],
      ['second', 'codex', 9, 4],
      ['third', 'echo', 2, null],
    ]);
    expect(tasks[0]?.metadata).toMatchObject({ pack_id: 't1' });
    expect(tasks[2]?.labels).toEqual(['x']);
  });

  it('--jsonl with invalid JSON on line 3 names file and line and queues nothing', async () => {
    const target = await hub();
    const pack = path.join(tempDir(), 'bad.jsonl');
    fs.writeFileSync(pack, '{"prompt": "ok 1"}\n{"prompt": "ok 2"}\n{"prompt": "broken\n{"prompt": "ok 4"}\n');
    const result = await mittelo(target, ['enqueue', '--jsonl', pack]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(stderrLines(result)).toEqual([expect.stringContaining(`${pack}:3: not valid JSON`)]);
    expect(target.queue.stats().queued).toBe(0);
  });

  it('--jsonl with a line missing its prompt names the line and the field', async () => {
    const target = await hub();
    const pack = path.join(tempDir(), 'bad.jsonl');
    fs.writeFileSync(pack, '{"prompt": "ok"}\n{"priority": 1}\n');
    const result = await mittelo(target, ['enqueue', '--jsonl', pack]);
    expect(result.code).not.toBe(0);
    expect(stderrLines(result)).toEqual([expect.stringMatching(new RegExp(`${pack.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: prompt: `))]);
    expect(target.queue.stats().queued).toBe(0);
  });

  it.each([
    ['no prompt source', [], /give exactly one of --prompt, --file or --jsonl/],
    ['two prompt sources', ['--prompt', 'a', '--file', 'b'], /give exactly one of --prompt, --file or --jsonl/],
    ['a non-integer --priority', ['--prompt', 'a', '--priority', 'high'], /--priority must be an integer, got "high"/],
    ['--max-attempts 0', ['--prompt', 'a', '--max-attempts', '0'], /--max-attempts must be >= 1/],
    ['a blank prompt', ['--prompt', '   '], /prompt: must not be blank/],
    ['a bad backend name', ['--prompt', 'a', '--backend', 'no spaces'], /backend: must be a backend name/],
  ])('%s fails with a clear message and queues nothing', async (_name, args, message) => {
    const target = await hub();
    const result = await mittelo(target, ['enqueue', ...args]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(target.queue.stats().queued).toBe(0);
  });
});

describe.concurrent('mittelo status, get and stats', () => {
  async function populated(): Promise<{ target: TestHub; queued: number[]; done: number; failed: number }> {
    const target = await hub();
    const done = finishedTask(target, 'done', 'the answer');
    const failed = finishedTask(target, 'failed', 'it broke');
    const queued = [1, 2, 3].map((i) => target.queue.enqueue({ prompt: `queued ${i}` }).task_id);
    return { target, queued, done, failed };
  }

  it('status prints a table of tasks, newest first, and the counts', async () => {
    const { target, queued, done, failed } = await populated();
    const result = await mittelo(target, ['status']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+BACKEND\s+PRI\s+UPDATED\s+PROMPT\s+RESULT \/ ERROR$/);
    const ids = lines.slice(1, 6).map((line) => Number(line.split(/\s+/)[0]));
    expect(ids).toEqual([...queued].reverse().concat([failed, done]));
    expect(lines.find((l) => l.startsWith(String(done)))).toMatch(/done.*the answer/);
    expect(lines.find((l) => l.startsWith(String(failed)))).toMatch(/failed.*it broke/);
    expect(lines[lines.length - 1]).toBe('queued 3  leased 0  done 1  failed 1  cancelled 0');
  });

  it('status --json, --limit and --status filter', async () => {
    const { target, queued, done } = await populated();
    const all = json<{ tasks: Task[]; stats: Stats }>(await mittelo(target, ['status', '--json']));
    expect(all.tasks).toHaveLength(5);
    expect(all.stats).toMatchObject({ queued: 3, leased: 0, done: 1, failed: 1 });

    const limited = json<{ tasks: Task[] }>(await mittelo(target, ['status', '--json', '--limit', '2']));
    expect(limited.tasks.map((t) => t.task_id)).toEqual([queued[2], queued[1]]);

    const onlyDone = json<{ tasks: Task[] }>(await mittelo(target, ['status', '--json', '--status', 'done']));
    expect(onlyDone.tasks.map((t) => [t.task_id, t.status, t.result])).toEqual([[done, 'done', 'the answer']]);
  });

  it('status --limit 0 lists every task (the default shows 20)', async () => {
    const target = await hub();
    for (let i = 0; i < 25; i++) target.queue.enqueue({ prompt: `p${i}` });
    expect(json<{ tasks: Task[] }>(await mittelo(target, ['status', '--json'])).tasks).toHaveLength(20);
    expect(json<{ tasks: Task[] }>(await mittelo(target, ['status', '--json', '--limit', '0'])).tasks).toHaveLength(25);
  });

  it('status with an unknown --status value fails naming the choices', async () => {
    const target = await hub();
    const result = await mittelo(target, ['status', '--status', 'sleeping']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/'sleeping' is invalid.*queued, leased, done, failed, cancelled/);
  });

  it('get shows one task in full, and --json the task object', async () => {
    const { target, done } = await populated();
    const human = await mittelo(target, ['get', String(done)]);
    expect(human).toMatchObject({ code: 0, stderr: '' });
    expect(human.stdout).toMatch(new RegExp(`^task ${done}: done\n`));
    expect(human.stdout).toContain('  prompt:\n    to done\n');
    expect(human.stdout).toContain('  result:\n    the answer\n');
    const { task } = json<{ task: Task }>(await mittelo(target, ['get', String(done), '--json']));
    expect(task).toMatchObject({ task_id: done, status: 'done', result: 'the answer', worker_id: 'w' });
  });

  it('get of an unknown task fails with one line naming it', async () => {
    const target = await hub();
    const result = await mittelo(target, ['get', '999']);
    expect(result.code).toBe(1);
    expect(stderrLines(result)).toEqual(['mittelo: task 999 not found']);
  });

  it('get with a non-numeric id fails before contacting the hub', async () => {
    const result = await runCli(['get', 'abc'], envFor(await closedPort()));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/task id must be an integer, got "abc"/);
    expect(result.stderr).not.toMatch(/unreachable/);
  });

  it('stats prints the counts; --json has all four floor keys', async () => {
    const { target } = await populated();
    const human = await mittelo(target, ['stats']);
    expect(human).toMatchObject({ code: 0, stderr: '', stdout: 'queued 3  leased 0  done 1  failed 1  cancelled 0\n' });
    const { stats } = json<{ stats: Record<string, number> }>(await mittelo(target, ['stats', '--json']));
    expect(stats).toMatchObject({ queued: 3, leased: 0, done: 1, failed: 1 });
    for (const key of ['queued', 'leased', 'done', 'failed']) expect(typeof stats[key]).toBe('number');
  });
});

describe.concurrent('mittelo retry and cancel', () => {
  it('retry puts every failed task back in the queue', async () => {
    const target = await hub();
    const failed = [finishedTask(target, 'failed', 'e1'), finishedTask(target, 'failed', 'e2')];
    const done = finishedTask(target, 'done', 'ok');
    const result = await mittelo(target, ['retry']);
    expect(result).toMatchObject({ code: 0, stderr: '', stdout: 'retried 2 tasks\n' });
    for (const id of failed) expect(target.queue.get(id)).toMatchObject({ status: 'queued', error: null, worker_id: null });
    expect(target.queue.get(done).status).toBe('done');
    expect(json<{ retried: number }>(await mittelo(target, ['retry', '--json']))).toEqual({ retried: 0 });
  });

  it('retry <id> requeues one cancelled task; retrying a queued task fails', async () => {
    const target = await hub();
    const { task_id: taskId } = target.queue.enqueue({ prompt: 'p' });
    target.queue.cancel(taskId);
    expect(await mittelo(target, ['retry', String(taskId)])).toMatchObject({ code: 0, stdout: 'retried 1 task\n' });
    expect(target.queue.get(taskId).status).toBe('queued');
    const again = await mittelo(target, ['retry', String(taskId)]);
    expect(again.code).toBe(1);
    expect(stderrLines(again)).toEqual([expect.stringContaining(`task ${taskId} is queued`)]);
  });

  it('cancel cancels several tasks and reports each', async () => {
    const target = await hub();
    const a = target.queue.enqueue({ prompt: 'a' }).task_id;
    const b = target.queue.enqueue({ prompt: 'b' }).task_id;
    target.queue.lease({ worker_id: 'w', max_tasks: 1 });
    const result = await mittelo(target, ['cancel', String(a), String(b)]);
    expect(result).toMatchObject({ code: 0, stderr: '', stdout: `cancelled task ${a}\ncancelled task ${b}\n` });
    expect([target.queue.get(a).status, target.queue.get(b).status]).toEqual(['cancelled', 'cancelled']);
  });

  it('cancel of a finished task fails and keeps the task', async () => {
    const target = await hub();
    const done = finishedTask(target, 'done', 'kept');
    const result = await mittelo(target, ['cancel', String(done)]);
    expect(result.code).toBe(1);
    expect(stderrLines(result)).toEqual([expect.stringContaining(`task ${done} is already done`)]);
    expect(target.queue.get(done)).toMatchObject({ status: 'done', result: 'kept' });
  });

  it('cancel with a bad id fails with a clear message', async () => {
    const target = await hub();
    const result = await mittelo(target, ['cancel', '0']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/task id must be >= 1/);
  });
});

describe.concurrent('mittelo client environment and errors', () => {
  it('MITTELO_HOST and MITTELO_PORT choose the hub; flags override them', async () => {
    const target = await hub();
    target.queue.enqueue({ prompt: 'p' });
    // Env only (no flags): reaches the hub.
    expect(json<{ stats: Stats }>(await runCli(['stats', '--json'], envFor(target.port))).stats.queued).toBe(1);
    // The host really comes from MITTELO_HOST: 127.0.0.2 has nothing listening on that port.
    const elsewhere = await runCli(['stats'], envFor(target.port, { MITTELO_HOST: '127.0.0.2' }));
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toContain(`127.0.0.2:${target.port}`);
    // Flags beat the environment.
    const wrongEnv = envFor(await closedPort(), { MITTELO_HOST: '127.0.0.2' });
    expect(json<{ stats: Stats }>(await runCli(['stats', '--json', '--host', '127.0.0.1', '--port', String(target.port)], wrongEnv)).stats.queued).toBe(1);
  });

  it('an unreachable hub fails with exactly one stderr line naming the address', async () => {
    const port = await closedPort();
    for (const args of [['stats'], ['enqueue', '--prompt', 'p']]) {
      const result = await runCli(args, envFor(port));
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stdout).toBe('');
      expect(stderrLines(result)).toEqual([`mittelo: hub unreachable at 127.0.0.1:${port}: connection refused; is \`mittelo hub\` running?`]);
    }
  });

  it('an invalid MITTELO_PORT fails with a message naming it', async () => {
    const result = await runCli(['stats'], { ...envFor(1), MITTELO_PORT: 'eighty' });
    expect(result.code).not.toBe(0);
    expect(stderrLines(result)).toEqual([expect.stringContaining('MITTELO_PORT must be a port number')]);
  });

  it('an unknown command fails naming it', async () => {
    const result = await runCli(['frobnicate']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });

  describe.concurrent('against a hub with a token', () => {
    const token = 'cli-secret';

    it('MITTELO_TOKEN and --token authenticate', async () => {
      const target = await hub({ token });
      expect(json<{ task_id: number }>(await mittelo(target, ['enqueue', '--prompt', 'p', '--json'], { MITTELO_TOKEN: token })).task_id).toEqual(expect.any(Number));
      expect(json<{ stats: Stats }>(await mittelo(target, ['stats', '--json', '--token', token])).stats.queued).toBe(1);
    });

    it('no token fails saying the hub requires one', async () => {
      const target = await hub({ token });
      const result = await mittelo(target, ['enqueue', '--prompt', 'p']);
      expect(result.code).toBe(1);
      expect(stderrLines(result)).toEqual([
        expect.stringMatching(/^mittelo: unauthorized: this hub requires a token/),
        'mittelo: the hub of the app or `mittelo serve` takes the workspace token: pass --token-file <workspace>/.mittelo/token or MITTELO_TOKEN (docs/SECURITY.md)',
      ]);
      expect(target.queue.stats().queued).toBe(0);
    });

    it('a wrong token fails saying the token is invalid', async () => {
      const target = await hub({ token });
      const result = await mittelo(target, ['enqueue', '--prompt', 'p'], { MITTELO_TOKEN: 'not-it' });
      expect(result.code).toBe(1);
      expect(stderrLines(result)).toEqual(['mittelo: invalid token']);
      expect(target.queue.stats().queued).toBe(0);
    });
  });
});

describe.concurrent('mittelo hub', () => {
  it('refuses --host 0.0.0.0 without a token, creating no database', async () => {
    const db = path.join(tempDir(), 'hub.db');
    const result = await runCli(['hub', '--host', '0.0.0.0', '--port', '0', '--db', db], { MITTELO_TOKEN: '' });
    expect(result.code).toBe(1);
    expect(stderrLines(result)).toEqual([expect.stringMatching(/^mittelo: refusing to listen on 0\.0\.0\.0 \(--host\) without a token.*--token or MITTELO_TOKEN/)]);
    expect(fs.existsSync(db)).toBe(false);
  });

  it('refuses a non-loopback --rest-host without a token', async () => {
    const db = path.join(tempDir(), 'hub.db');
    const result = await runCli(['hub', '--port', '0', '--rest-port', '0', '--rest-host', '0.0.0.0', '--db', db], { MITTELO_TOKEN: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 \(--rest-host\) without a token/);
  });

  it('accepts --host 0.0.0.0 with a token', async () => {
    const { child, port } = await hubProcess(['--host', '0.0.0.0', '--db', path.join(tempDir(), 'hub.db')], { MITTELO_TOKEN: 'tok' });
    const client = await connect({ host: '127.0.0.1', port }, 'tok');
    await client.shutdown();
    client.close();
    expect(await exited(child)).toEqual({ code: 0, signal: null });
  });

  it('refuses a corrupt database file and leaves its bytes untouched', async () => {
    const db = path.join(tempDir(), 'corrupt.db');
    const garbage = Buffer.alloc(8192);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 256;
    fs.writeFileSync(db, garbage);
    const result = await runCli(['hub', '--port', '0', '--db', db], { MITTELO_TOKEN: '' });
    expect(result.code).toBe(1);
    expect(stderrLines(result)).toEqual([expect.stringMatching(new RegExp(`^mittelo: database .*corrupt\\.db is unreadable or corrupt.*left untouched`))]);
    expect(fs.readFileSync(db).equals(garbage)).toBe(true);
  });

  it('refuses a SQLite file that is not a mittelo database', async () => {
    const db = path.join(tempDir(), 'other.db');
    const other = new Database(db);
    other.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')");
    other.close();
    const result = await runCli(['hub', '--port', '0', '--db', db], { MITTELO_TOKEN: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not a mittelo one/);
    const reopened = new Database(db, { readonly: true });
    expect(reopened.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: 'notes' }]);
    reopened.close();
  });

  it('refuses a database from a newer schema and does not migrate it', async () => {
    const db = path.join(tempDir(), 'future.db');
    const future = new Database(db);
    future.pragma('user_version = 999');
    future.close();
    const result = await runCli(['hub', '--port', '0', '--db', db], { MITTELO_TOKEN: '' });
    expect(result.code).toBe(1);
    expect(stderrLines(result)).toEqual([expect.stringMatching(/schema version 999, newer than this mittelo understands/)]);
    const reopened = new Database(db, { readonly: true });
    expect(reopened.pragma('user_version', { simple: true })).toBe(999);
    expect(reopened.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get()).toEqual({ n: 0 });
    reopened.close();
  });

  it('`mittelo shutdown` stops a hub process, which exits 0', async () => {
    const { child, port } = await hubProcess(['--db', path.join(tempDir(), 'hub.db')]);
    const result = await runCli(['shutdown'], envFor(port));
    expect(result).toMatchObject({ code: 0, stderr: '', stdout: `hub at 127.0.0.1:${port} is shutting down\n` });
    expect(await exited(child)).toEqual({ code: 0, signal: null });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s stops a hub process cleanly: exit 0, database closed, data kept', async (signal) => {
    const db = path.join(tempDir(), 'hub.db');
    const { child, port } = await hubProcess(['--db', db]);
    const client = await connect({ host: '127.0.0.1', port });
    const { task_id: doneId } = await client.enqueue({ prompt: 'finished before the signal' });
    const [leased] = await client.lease({ worker_id: 'w' });
    expect(leased?.task_id).toBe(doneId);
    await client.ack({ task_id: doneId, status: 'done', result: 'kept' });
    const { task_id: queuedId } = await client.enqueue({ prompt: 'still queued' });
    client.close();

    child.kill(signal);
    expect(await exited(child)).toEqual({ code: 0, signal: null });
    // A clean close checkpoints and removes the write-ahead log; a crash would leave it behind.
    expect(fs.existsSync(`${db}-wal`)).toBe(false);

    const reopened = await hub({ dbPath: db });
    expect(reopened.queue.get(doneId)).toMatchObject({ status: 'done', result: 'kept' });
    expect(reopened.queue.get(queuedId)).toMatchObject({ status: 'queued', prompt: 'still queued' });
  });
});
