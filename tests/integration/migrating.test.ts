/**
 * docs/MIGRATING.md, step by step: each `describe` is one section of the page, run as a user moving
 * from the original mittelo would (the original hub is the stand-in in tests/fixtures/original-hub).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestHub, tempDir, runCli, closedPort, RawConnection, rawCall, type CliResult } from '../helpers.js';
import { FakeMachine } from '../lock-helpers.js';
import { startOriginalHub } from '../original-helpers.js';

/** The built CLI in `cwd` with a clean MITTELO_* environment (no hub of this machine is picked up by accident). */
async function mitteloIn(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const port = String(await closedPort());
  return runCli(args, { MITTELO_DB: '', MITTELO_HOST: '', MITTELO_PORT: port, MITTELO_TOKEN: '', MITTELO_BACKENDS_DIR: '', ...env }, cwd);
}

/** A project folder where the original hub ran: its `.mittelo/mittelo.db` with one done and one queued task. */
async function projectOfTheOriginal(): Promise<{ cwd: string; dbPath: string }> {
  const cwd = tempDir('mittelo-project-');
  const original = await startOriginalHub({ cwd });
  const conn = await RawConnection.open(original.port);
  try {
    await rawCall(conn, 1, 'enqueue', { prompt: 'finished before the move' });
    await rawCall(conn, 2, 'enqueue', { prompt: 'still waiting' });
    await rawCall(conn, 3, 'lease', { worker_id: 'old' });
    await rawCall(conn, 4, 'ack', { task_id: 1, status: 'done', result: 'old answer' });
    await rawCall(conn, 5, 'shutdown');
  } finally {
    conn.close();
  }
  await original.stop();
  return { cwd, dbPath: original.dbPath };
}

describe('1. The database', () => {
  it('`mittelo doctor` only reads: it refuses the original database naming `mittelo migrate --db FILE`', async () => {
    const { cwd, dbPath } = await projectOfTheOriginal();
    const history = await mitteloIn(cwd, ['doctor', '--history']);
    expect(history.code).toBe(1);
    expect(history.stderr).toContain(`migrate it to this version with \`mittelo migrate --db ${dbPath}\``);
  });

  it('`mittelo migrate` in the folder migrates the default database with a backup; our hub then serves its tasks; run again it is up to date', async () => {
    const { cwd, dbPath } = await projectOfTheOriginal();
    const migrated = await mitteloIn(cwd, ['migrate']);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toMatch(new RegExp(`^${dbPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was written by the original mittelo: migrated 2 tasks in place to this version's schema; the original database is kept as .*\\.original-\\d{8}T\\d{6}\\.bak\\n$`));
    expect((await mitteloIn(cwd, ['migrate'])).stdout).toMatch(/is a Mittelo Control Center database, up to date \(schema \d+\)\n$/);
    const hub = await startTestHub({ dbPath });
    try {
      const status = await mitteloIn(cwd, ['status', '--json'], { MITTELO_PORT: String(hub.port) });
      const { tasks } = JSON.parse(status.stdout) as { tasks: { task_id: number; status: string; result: string | null }[] };
      expect(tasks.map((t) => [t.task_id, t.status, t.result])).toEqual([
        [2, 'queued', null],
        [1, 'done', 'old answer'],
      ]);
    } finally {
      await hub.stop();
    }
  });

  it('going back: the .bak copied over the database is served by the original hub again', async () => {
    const { cwd, dbPath } = await projectOfTheOriginal();
    expect((await mitteloIn(cwd, ['migrate'])).code).toBe(0);
    const backup = fs.readdirSync(path.dirname(dbPath)).find((name) => name.endsWith('.bak'));
    fs.copyFileSync(path.join(path.dirname(dbPath), backup ?? ''), dbPath);
    const original = await startOriginalHub({ cwd });
    const conn = await RawConnection.open(original.port);
    try {
      const answer = await rawCall(conn, 1, 'list', { status: null });
      expect((answer.result as { tasks: { prompt: string }[] }).tasks.map((t) => t.prompt)).toEqual(['still waiting', 'finished before the move']);
    } finally {
      conn.close();
      await original.stop();
    }
  });
});

describe('2. The backends folder', () => {
  it('./backends/<name>/run answers as before, with MITTELO_TASK_ID, MITTELO_WORKER_ID, and its env from mittelo.config.json', async () => {
    const cwd = tempDir('mittelo-project-');
    const folder = path.join(cwd, 'backends', 'mybot');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'run'), '#!/bin/sh\nprompt=$(cat)\necho "task=$MITTELO_TASK_ID worker=$MITTELO_WORKER_ID endpoint=$MYBOT_ENDPOINT prompt=$prompt"\n', { mode: 0o755 });
    fs.writeFileSync(path.join(cwd, 'mittelo.config.json'), JSON.stringify({ backends: { mybot: { env: { MYBOT_ENDPOINT: 'https://bots.example/v1' } } } }));
    const hub = await startTestHub();
    try {
      const { task_id: taskId } = hub.queue.enqueue({ prompt: 'hi' });
      const agent = await mitteloIn(cwd, ['agent', '--backend', 'mybot', '--once', '--worker-id', 'w-1'], { MITTELO_PORT: String(hub.port), MYBOT_ENDPOINT: 'not this one' });
      expect(agent.code, agent.stderr).toBe(0);
      expect(hub.queue.get(taskId)).toMatchObject({ status: 'done', result: `task=${taskId} worker=w-1 endpoint=https://bots.example/v1 prompt=hi` });
    } finally {
      await hub.stop();
    }
  });

  it('$MITTELO_BACKENDS_DIR is searched before ./backends', async () => {
    const cwd = tempDir('mittelo-project-');
    const elsewhere = tempDir('mittelo-backends-');
    for (const [dir, answer] of [[path.join(cwd, 'backends'), 'from ./backends'], [elsewhere, 'from MITTELO_BACKENDS_DIR']] as const) {
      fs.mkdirSync(path.join(dir, 'mybot'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'mybot', 'run'), `#!/bin/sh\ncat >/dev/null\necho "${answer}"\n`, { mode: 0o755 });
    }
    const hub = await startTestHub();
    try {
      const { task_id: taskId } = hub.queue.enqueue({ prompt: 'which one?' });
      const agent = await mitteloIn(cwd, ['agent', '--backend', 'mybot', '--once'], { MITTELO_PORT: String(hub.port), MITTELO_BACKENDS_DIR: elsewhere });
      expect(agent.code, agent.stderr).toBe(0);
      expect(hub.queue.get(taskId).result).toBe('from MITTELO_BACKENDS_DIR');
    } finally {
      await hub.stop();
    }
  });
});

describe('3. Packs', () => {
  const pack = '{"prompt":"one"}\n\n// a comment\n{"prompt":"two","a_key_the_original_had":1}\n';

  it('an original pack is queued as it is by `mittelo enqueue --jsonl`', async () => {
    const cwd = tempDir('mittelo-project-');
    fs.writeFileSync(path.join(cwd, 'old.jsonl'), pack);
    const hub = await startTestHub();
    try {
      const result = await mitteloIn(cwd, ['enqueue', '--jsonl', 'old.jsonl'], { MITTELO_PORT: String(hub.port) });
      expect(result).toMatchObject({ code: 0, stdout: 'queued 2 tasks (1..2)\n' });
      expect(hub.queue.list({}).map((t) => t.prompt)).toEqual(['two', 'one']);
    } finally {
      await hub.stop();
    }
  });

  it('and runs as a recorded run with `mittelo run --pack`', async () => {
    const cwd = tempDir('mittelo-project-');
    fs.writeFileSync(path.join(cwd, 'old.jsonl'), pack);
    const result = await mitteloIn(cwd, ['run', '--pack', 'old.jsonl', '--backend', 'echo']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^echo\s+2\s+2\s+0\s/m);
  });
});

describe('4. The version lock', () => {
  const machines: FakeMachine[] = [];
  afterAll(() => machines.forEach((m) => m.remove()));

  it('`mittelo lock write` records the CLIs, `mittelo lock check` passes; a lock in another format is refused with the field named', async () => {
    const m = new FakeMachine(['claude']);
    machines.push(m);
    fs.writeFileSync(m.lockFile, JSON.stringify({ versions: { claude: '1.0.0' } }));
    const foreign = await m.run(['lock', 'check']);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain(`lock file ${m.lockFile}: lock_version: `);
    fs.rmSync(m.lockFile);
    const write = await m.run(['lock', 'write', '--backend', 'claude_code']);
    expect(write.code, write.stderr).toBe(0);
    expect(m.readLock().clis.map((c) => c.name)).toEqual(['claude_code']);
    const check = await m.run(['lock', 'check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});

describe('5. Environment variables', () => {
  it('MITTELO_DB places the hub database; MITTELO_HOST and MITTELO_PORT find the hub', async () => {
    const cwd = tempDir('mittelo-project-');
    const dbPath = path.join(cwd, 'elsewhere', 'queue.db');
    const port = await closedPort();
    const hubRun = runCli(['hub', '--port', String(port), '--quiet'], { MITTELO_DB: dbPath, MITTELO_TOKEN: '' }, cwd);
    try {
      let stats: CliResult | undefined;
      for (let attempt = 0; attempt < 100; attempt++) {
        stats = await mitteloIn(cwd, ['stats', '--json'], { MITTELO_HOST: '127.0.0.1', MITTELO_PORT: String(port) });
        if (stats.code === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(stats?.code, stats?.stderr).toBe(0);
      expect(JSON.parse(stats?.stdout ?? '{}')).toEqual({ stats: { queued: 0, leased: 0, done: 0, failed: 0, cancelled: 0 } });
      expect(fs.existsSync(dbPath)).toBe(true);
    } finally {
      await mitteloIn(cwd, ['shutdown'], { MITTELO_PORT: String(port) });
      expect((await hubRun).code).toBe(0);
    }
  });
});

describe('6. What changed on the wire', () => {
  it('a late ack without a lease token is refused once the task is done (the original overwrote the result)', async () => {
    const hub = await startTestHub();
    const conn = await RawConnection.open(hub.port);
    try {
      await rawCall(conn, 1, 'enqueue', { prompt: 'p' });
      await rawCall(conn, 2, 'lease', { worker_id: 'old-agent' });
      expect((await rawCall(conn, 3, 'ack', { task_id: 1, status: 'done', result: 'first', error: null })).error).toBeNull();
      const late = await rawCall(conn, 4, 'ack', { task_id: 1, status: 'failed', result: null, error: 'late' });
      expect(late.result).toBeNull();
      expect(hub.queue.get(1)).toMatchObject({ status: 'done', result: 'first' });
    } finally {
      conn.close();
      await hub.stop();
    }
  });

  it('a REST POST must be sent as JSON: without the header it is refused with 415, with it the task is queued', async () => {
    const hub = await startTestHub({ restPort: 0 });
    try {
      const body = JSON.stringify({ prompt: 'over REST' });
      const bare = await fetch(`${hub.restUrl}/tasks`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(bare.status).toBe(415);
      const asJson = await fetch(`${hub.restUrl}/tasks`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(await asJson.json()).toMatchObject({ task_id: 1 });
    } finally {
      await hub.stop();
    }
  });

  it('an unknown method answers `unknown method "name"` with its code, the connection kept', async () => {
    const hub = await startTestHub();
    const conn = await RawConnection.open(hub.port);
    try {
      expect(await rawCall(conn, 1, 'frobnicate')).toEqual({ id: 1, result: null, error: { message: 'unknown method "frobnicate"', code: 'unknown_method' } });
      expect((await rawCall(conn, 2, 'stats')).error).toBeNull();
    } finally {
      conn.close();
      await hub.stop();
    }
  });
});
