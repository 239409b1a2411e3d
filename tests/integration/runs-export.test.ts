/**
 * Sharing a run: export it from one hub to a folder, import the folder into another hub (its own
 * database), and compare it there with a run made there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import type { RunInfo } from '../../core/runs/types.js';
import { startTestHub } from '../helpers.js';
import { FILE_ANSWERS, setAnswers, stopTestHub, Workspace } from '../runs-helpers.js';

const TOKEN = 'hub-token-never-exported-7f3a';
const API_KEY = 'sk-ant-never-exported-0123456789';

let here: RunningHub & { dbPath: string };
let there: RunningHub & { dbPath: string };
let wsHere: Workspace;
let wsThere: Workspace;

beforeAll(async () => {
  [here, there] = await Promise.all([startTestHub({ token: TOKEN }), startTestHub()]);
  wsHere = new Workspace(here.port, { MITTELO_TOKEN: TOKEN, ANTHROPIC_API_KEY: API_KEY, OPENAI_API_KEY: API_KEY });
  wsThere = new Workspace(there.port);
  for (const ws of [wsHere, wsThere]) {
    // Also tries to print a key from its environment: the runner never hands it one.
    ws.backend('filed', `echo "key=$OPENAI_API_KEY token=$MITTELO_TOKEN" >&2\n${FILE_ANSWERS}`);
    ws.pack('share', ['x', 'y', 'z'].map((p) => ({ id: p, prompt: p, expect: { not_contains: 'error' } })));
  }
});

afterAll(async () => {
  await Promise.all([stopTestHub(here), stopTestHub(there)]);
  wsHere.remove();
  wsThere.remove();
});

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

it('export → import into another hub → compare: the folder is complete and secret-free, categories as expected, each import a new run', async () => {
  setAnswers(wsHere, 'filed', { x: 'ex', y: 'why', z: null });
  const a = await wsHere.run(['--pack', 'share.jsonl', '--backend', 'filed', '--backend', 'claude_code', '--label', 'from here']);
  expect(a.code, a.stderr).toBe(1); // z fails on filed

  const folder = path.join(wsHere.dir, 'export-a');
  const exported = await wsHere.json<{ files: number }>(['runs', 'export', a.runId, folder]);
  const files = filesUnder(folder).sort();
  expect(files.filter((f) => !f.startsWith('tasks'))).toEqual(['run.json', 'summary.md']);
  const taskDirs = fs.readdirSync(path.join(folder, 'tasks'));
  expect(taskDirs).toHaveLength(6);
  for (const dir of taskDirs) {
    expect(fs.readdirSync(path.join(folder, 'tasks', dir)).sort()).toEqual(['answer.txt', 'meta.json', 'stderr.txt', 'stdout.txt']);
  }
  expect(exported.files).toBe(files.length);
  const index = JSON.parse(fs.readFileSync(path.join(folder, 'run.json'), 'utf8')) as { format: string; run: RunInfo; tasks: unknown[] };
  expect(index).toMatchObject({ format: 'mittelo-run-export/1', run: { run_id: a.runId, pack_name: 'share', label: 'from here' } });
  expect(index.tasks).toHaveLength(6);
  const claudeX = taskDirs.find((d) => d.includes('claude_code-x-'));
  expect(fs.readFileSync(path.join(folder, 'tasks', claudeX ?? '', 'answer.txt'), 'utf8')).toBe('claude fake answer to: x');
  const filedY = taskDirs.find((d) => d.includes('filed-y-')) ?? '';
  expect(fs.readFileSync(path.join(folder, 'tasks', filedY, 'answer.txt'), 'utf8')).toBe('why');
  expect(fs.readFileSync(path.join(folder, 'tasks', filedY, 'stderr.txt'), 'utf8')).toBe('key= token=\n');
  expect(JSON.parse(fs.readFileSync(path.join(folder, 'tasks', filedY, 'meta.json'), 'utf8'))).toMatchObject({ prompt_id: 'y', backend: 'filed', status: 'done', pass: true });
  const summary = fs.readFileSync(path.join(folder, 'summary.md'), 'utf8');
  expect(summary).toContain(`# Run ${a.runId} (from here)`);
  expect(summary).toMatch(/\| filed \| 3 \| 2 \| 1 \|/);
  for (const file of files) {
    const text = fs.readFileSync(path.join(folder, file), 'utf8');
    expect(text, file).not.toContain(API_KEY);
    expect(text, file).not.toContain(TOKEN);
  }

  const first = await wsThere.json<{ run_id: string; tasks: number }>(['runs', 'import', folder]);
  const second = await wsThere.json<{ run_id: string; tasks: number }>(['runs', 'import', folder]);
  expect(first.tasks).toBe(6);
  expect(second.tasks).toBe(6);
  expect(new Set([first.run_id, second.run_id, a.runId]).size).toBe(2); // the first keeps its id on a hub that lacks it
  expect(second.run_id).not.toBe(first.run_id);

  const original = await wsHere.show(a.runId);
  const imported = await wsThere.show(first.run_id);
  const essentials = (r: typeof original) => r.tasks.map((t) => [t.prompt_id, t.backend, t.status, t.result, t.pass, t.artifact?.failure_class ?? null, t.artifact?.exit_code]);
  expect(essentials(imported)).toEqual(essentials(original));
  expect(imported.run).toMatchObject({ label: 'from here', pack_name: 'share', host: original.run.host, baseline: false });

  // A run made over there, where y's answer changed and z got one.
  setAnswers(wsThere, 'filed', { x: 'ex', y: 'why not', z: 'zed' });
  const c = await wsThere.run(['--pack', 'share.jsonl', '--backend', 'filed', '--backend', 'claude_code']);
  expect(c.code, c.stderr).toBe(0);
  const compared = await wsThere.compare(first.run_id, c.runId, [], 0);
  expect(Object.fromEntries(compared.pairs.map((p) => [`${p.backend}/${p.prompt_id}`, p.category]))).toEqual({
    'filed/x': 'unchanged',
    'filed/y': 'changed',
    'filed/z': 'fixed',
    'claude_code/x': 'unchanged',
    'claude_code/y': 'unchanged',
    'claude_code/z': 'unchanged',
  });
  // The other way round z is a new failure: exit 1.
  expect((await wsThere.compare(c.runId, second.run_id, [], 1)).summary.counts).toMatchObject({ new_failure: 1, changed: 1, unchanged: 4 });

  const listed = await wsThere.json<{ run: RunInfo }[]>(['runs', 'list']);
  expect(listed.map((r) => r.run.run_id).sort()).toEqual([first.run_id, second.run_id, c.runId].sort());
});

it('importing a folder that is not an export names what is wrong and imports nothing', async () => {
  const bogus = path.join(wsThere.dir, 'not-an-export');
  fs.mkdirSync(bogus);
  fs.writeFileSync(path.join(bogus, 'run.json'), '{"hello": 1}');
  const before = there.runs.list({}).length;
  const result = await wsThere.cli(['runs', 'import', bogus]);
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain('is not a mittelo run export');
  expect(there.runs.list({}).length).toBe(before);
});
