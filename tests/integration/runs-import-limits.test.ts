/**
 * `runs import` reads a folder from elsewhere: only plain files inside it (no links out of it, no
 * devices or pipes), each file and the whole bounded. And a run that exports imports back the same:
 * answers larger than a request line go in pieces, odd prompt ids make folders import accepts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import { MAX_EXPORT_BYTES, MAX_EXPORT_FILE_BYTES } from '../../core/runs/export.js';
import { startTestHub } from '../helpers.js';
import { portable } from '../run-record-helpers.js';
import { stopTestHub, Workspace } from '../runs-helpers.js';

const ANSWER_CHARS = 5_000_000;

let here: RunningHub & { dbPath: string };
let there: RunningHub & { dbPath: string };
let wsHere: Workspace;
let wsThere: Workspace;
let runId: string;
let exported: string;

beforeAll(async () => {
  [here, there] = await Promise.all([startTestHub(), startTestHub()]);
  wsHere = new Workspace(here.port);
  wsThere = new Workspace(there.port);
  // Two 5 MB answers: together more than the hub's 8 MiB request line.
  wsHere.backend('big', `prompt=$(cat)\nhead -c ${ANSWER_CHARS} /dev/zero | tr '\\0' "$prompt"`);
  wsHere.pack('big', [
    { id: 'compare v1..v2', prompt: 'a', expect: { regex: '^a+$' } },
    { id: '../../etc', prompt: 'b' },
  ]);
  const run = await wsHere.run(['--pack', 'big.jsonl', '--backend', 'big']);
  expect(run.code, run.stderr).toBe(0);
  runId = run.runId;
  exported = path.join(wsHere.dir, 'exported');
  const result = await wsHere.cli(['runs', 'export', runId, exported]);
  expect(result.code, result.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await Promise.all([stopTestHub(here), stopTestHub(there)]);
  wsHere?.remove();
  wsThere?.remove();
});

function runCount(): number {
  return there.runs.list({}).length;
}

/** A copy of the export to tamper with, and the folder of its first task. */
function copyOfExport(name: string): { dir: string; task: string } {
  const dir = path.join(wsThere.dir, name);
  fs.cpSync(exported, dir, { recursive: true });
  const [first] = fs.readdirSync(path.join(dir, 'tasks')).sort();
  return { dir, task: path.join(dir, 'tasks', first ?? '') };
}

async function refusedImport(dir: string, message: RegExp | string): Promise<void> {
  const before = runCount();
  const result = await wsThere.cli(['runs', 'import', dir]);
  expect(result.code, result.stdout).not.toBe(0);
  expect(result.stderr).toMatch(message);
  expect(runCount()).toBe(before);
}

it('a run with two 5 MB answers and odd prompt ids exports and imports back identically', async () => {
  const folders = fs.readdirSync(path.join(exported, 'tasks'));
  expect(folders).toHaveLength(2);
  for (const folder of folders) expect(folder).not.toContain('..');

  const imported = await wsThere.json<{ run_id: string; tasks: number }>(['runs', 'import', exported]);
  expect(imported.tasks).toBe(2);
  const original = here.runs.get(runId);
  const back = there.runs.get(imported.run_id);
  expect(back.tasks.map((t) => t.result?.length)).toEqual([ANSWER_CHARS, ANSWER_CHARS]);
  expect(back.tasks.map((t) => t.prompt_id)).toEqual(['compare v1..v2', '../../etc']);
  expect(back.tasks[0]?.checks).toMatchObject([{ check: 'matches ^a+$', pass: true, detail: 'matches' }]);
  expect(portable(back)).toEqual(portable(original));
}, 60_000);

it('an export written before folders lost their "..", with a folder like "…-compare_v1..v2-r0", still imports', async () => {
  const { dir, task } = copyOfExport('old-names');
  const oldName = `${path.basename(task)}..old`;
  fs.renameSync(task, path.join(path.dirname(task), oldName));
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as { tasks: { folder: string }[] };
  const entry = index.tasks.find((t) => t.folder === path.basename(task));
  if (!entry) throw new Error('task folder not in run.json');
  entry.folder = oldName;
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(index));
  const imported = await wsThere.json<{ run_id: string; tasks: number }>(['runs', 'import', dir]);
  expect(portable(there.runs.get(imported.run_id))).toEqual(portable(here.runs.get(runId)));
}, 60_000);

it('task folders that climb out of tasks/ are refused', async () => {
  const { dir } = copyOfExport('climb');
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as { tasks: { folder: string }[] };
  for (const folder of ['..', '.', '../tasks/x', 'a\\b', '']) {
    if (index.tasks[0]) index.tasks[0].folder = folder;
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(index));
    await refusedImport(dir, `run.json names a bad task folder: ${JSON.stringify(folder)}`);
  }
}, 90_000);

it('a file that is a symbolic link is refused, naming it; the file it points to is not imported', async () => {
  const secret = path.join(wsThere.dir, 'secret.txt');
  fs.writeFileSync(secret, 'the neighbour’s secret');
  const { dir, task } = copyOfExport('linked-answer');
  fs.rmSync(path.join(task, 'answer.txt'));
  fs.symlinkSync(secret, path.join(task, 'answer.txt'));
  await refusedImport(dir, `answer.txt ${path.join(task, 'answer.txt')} is a symbolic link; refusing to follow it`);
  for (const run of there.runs.list({})) {
    for (const t of there.runs.get(run.run.run_id).tasks) expect(t.result).not.toContain('secret');
  }

  const linkedMeta = copyOfExport('linked-meta');
  fs.rmSync(path.join(linkedMeta.task, 'stdout.txt'));
  fs.symlinkSync('/etc/passwd', path.join(linkedMeta.task, 'stdout.txt'));
  await refusedImport(linkedMeta.dir, /stdout\.txt .* is a symbolic link/);
}, 60_000);

it('a task folder or tasks/ that is a symbolic link is refused', async () => {
  const elsewhere = copyOfExport('elsewhere');
  const { dir, task } = copyOfExport('linked-folder');
  fs.rmSync(task, { recursive: true });
  fs.symlinkSync(elsewhere.task, task);
  await refusedImport(dir, `${task} is a symbolic link; refusing to follow it`);

  const linkedTasks = copyOfExport('linked-tasks');
  fs.rmSync(path.join(linkedTasks.dir, 'tasks'), { recursive: true });
  fs.symlinkSync(path.join(elsewhere.dir, 'tasks'), path.join(linkedTasks.dir, 'tasks'));
  await refusedImport(linkedTasks.dir, /tasks is a symbolic link; refusing to follow it/);
}, 60_000);

it('a pipe in place of a file is refused, not waited on', async () => {
  const { dir, task } = copyOfExport('piped');
  fs.rmSync(path.join(task, 'stderr.txt'));
  execFileSync('mkfifo', [path.join(task, 'stderr.txt')]);
  await refusedImport(dir, /stderr\.txt .* is not a regular file \(a device, pipe or socket\); refusing to read it/);
});

it('a device in place of a file (/dev/zero made with mknod) is refused', async (context) => {
  const { dir, task } = copyOfExport('device');
  fs.rmSync(path.join(task, 'stderr.txt'));
  try {
    execFileSync('mknod', [path.join(task, 'stderr.txt'), 'c', '1', '5'], { stdio: 'ignore' }); // /dev/zero's numbers
  } catch {
    context.skip(); // not root, or no right to make devices here
  }
  await refusedImport(dir, /stderr\.txt .* is not a regular file/);
});

it('a file over the per-file limit, and an export over the total, are refused before they are read', async () => {
  const { dir, task } = copyOfExport('huge-file');
  fs.truncateSync(path.join(task, 'stdout.txt'), MAX_EXPORT_FILE_BYTES + 1); // sparse: no disk used
  await refusedImport(dir, `stdout.txt ${path.join(task, 'stdout.txt')} is larger than 48 MiB`);

  // Every text file of both tasks just under the per-file limit: 6 of them are over the total.
  expect(6 * MAX_EXPORT_FILE_BYTES).toBeGreaterThan(MAX_EXPORT_BYTES);
  const total = copyOfExport('huge-total');
  const tasksDir = path.join(total.dir, 'tasks');
  for (const folder of fs.readdirSync(tasksDir)) {
    for (const name of ['answer.txt', 'stdout.txt', 'stderr.txt']) fs.truncateSync(path.join(tasksDir, folder, name), MAX_EXPORT_FILE_BYTES);
  }
  await refusedImport(total.dir, /the export is 288\.\d MiB, more than the 256 MiB an import reads/);
}, 60_000);

it('export refuses a run that import would refuse, before writing anything', async () => {
  const record = here.runs.get(runId);
  const task = record.tasks[0];
  if (!task?.artifact) throw new Error('the task has no artifact');
  const { exportRun } = await import('../../core/runs/export.js');
  const tooBig = { ...record, tasks: [{ ...task, artifact: { ...task.artifact, stderr: '€'.repeat(MAX_EXPORT_FILE_BYTES / 3 + 1) } }] };
  const target = path.join(wsHere.dir, 'not-written');
  expect(() => exportRun(tooBig, target)).toThrow(/stderr\.txt would take 48\.0 MiB, more than the 48 MiB a file of an export may have/);
  expect(fs.existsSync(path.join(target, 'run.json'))).toBe(false);
});
