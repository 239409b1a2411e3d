/**
 * A regex check is untrusted input the hub evaluates on its one thread whenever a run is read. A
 * pattern that makes a backtracking engine run for days must not hold the hub: the hub runs in its
 * own process here, so a frozen hub fails the test instead of freezing the test runner.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HubClient } from '../../core/wire/client.js';
import { connect, runCli, spawnHubProcess, tempDir } from '../helpers.js';

const EVIL = '^(a+)+$';
// 31 characters froze the hub for 10 s; each one more doubles it.
const ANSWER = `${'a'.repeat(48)}!`;

let dir: string;
let hub: { child: ChildProcess; port: number };
let client: HubClient;
let other: HubClient;

beforeAll(async () => {
  dir = tempDir('mittelo-redos-');
  hub = await spawnHubProcess(['--db', path.join(dir, 'hub.db')]);
  [client, other] = await Promise.all([connect({ host: '127.0.0.1', port: hub.port }), connect({ host: '127.0.0.1', port: hub.port })]);
});

afterAll(() => {
  client?.close();
  other?.close();
  hub?.child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

it('a catastrophic pattern fails its check at once: run_get, run_summary, run_list and other clients are answered', async () => {
  const { run_id: runId } = await client.call('run_create', {
    pack_name: 'redos',
    backends: ['shell'],
    entries: [{ id: 'evil', prompt: 'p', expect: { regex: EVIL } }],
  });
  const { tasks } = await client.call('lease', { worker_id: 'w', backends: ['shell'] });
  const [task] = tasks;
  if (!task) throw new Error('no task leased');
  await client.call('ack', { task_id: task.task_id, lease_token: task.lease_token, status: 'done', result: ANSWER });

  const record = await client.call('run_get', { run_id: runId });
  expect(record.tasks[0]?.checks).toMatchObject([{ check: `matches ${EVIL}`, pass: false, detail: 'does not match' }]);
  expect((await other.call('stats')).stats).toBeTruthy();
  const summary = await client.call('run_summary', { run_id: runId });
  expect(summary.rollups[0]).toMatchObject({ check_failures: 1 });
  const { runs } = await client.call('run_list', {});
  expect(runs.map((r) => r.run.run_id)).toContain(runId);
});

it('the same through an imported run and `mittelo runs list`', async () => {
  const imported = await client.call('run_import', {
    record: {
      run: { run_id: 'run-imported-redos', label: null, pack_name: 'redos', pack_path: null, preset: 'custom', backends: ['shell'], repeat: 1, created_at: 1_700_000_000, finished_at: 1_700_000_010, host: 'elsewhere', lock_state: null, baseline: false, picks: {} },
      tasks: [{ task_id: 7, prompt_id: 'evil', prompt: 'p', backend: 'shell', repeat_index: 0, status: 'done', result: ANSWER, error: null, artifact: null, expect: { regex: EVIL } }],
    },
  });
  const listed = await runCli(['runs', 'list', '--port', String(hub.port)], {}, dir);
  expect(listed.code, listed.stderr).toBe(0);
  expect(listed.stdout).toContain(imported.run_id);
  expect(listed.stdout).toMatch(/1\/1 done, 0 failed, 1 check failures/);
});

it('a pattern RE2 cannot run is refused when the run is created, naming the entry', async () => {
  await expect(client.call('run_create', { pack_name: 'bad', backends: ['shell'], entries: [{ prompt: 'p', expect: { regex: '(a)\\1' } }] })).rejects.toThrow(
    /entries\.0\.expect\.regex: backreferences/,
  );
});
