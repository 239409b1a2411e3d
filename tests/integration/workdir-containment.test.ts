/**
 * A system test's agent that writes outside its workdir through `..`: `mittelo run` with the fake
 * Claude Code writing `../escape.txt`, `../../escape.txt` or into another task's workdir, real
 * workdirs on disk. Contained (a mount namespace, where this machine allows it): the writes fail
 * and are reported. Detection only (MITTELO_CONFINE_WORKDIRS=off): they happen and are reported.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import { probeConfinement } from '../../drivers/run/confine.js';
import { repoRoot, startTestHub, tempDir } from '../helpers.js';
import { stopTestHub, Workspace } from '../runs-helpers.js';

const FIXTURE = path.join(repoRoot, 'packs', 'system', 'fix-test');
const confinement = probeConfinement();

let hub: RunningHub & { dbPath: string };
/** Runs of the same one-row pack: one whose agent wrote outside (detected), one whose agent stayed in. */
let escapedRun = '';
let insideRun = '';
let ws: Workspace;
const made: string[] = [];

beforeAll(async () => {
  hub = await startTestHub();
  ws = new Workspace(hub.port);
});

afterAll(async () => {
  await stopTestHub(hub);
  ws.remove();
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function workdirsRoot(): string {
  const dir = tempDir('mittelo-contain-');
  made.push(dir);
  return dir;
}

/** Runs a pack of system-test rows with the fake agent editing as `edit` says, one task at a time. */
async function runEscaping(edit: string, rows: number, env: NodeJS.ProcessEnv) {
  ws.wrap('claude', { FAKE_CLI_EDIT: edit });
  const pack = ws.pack(`system-${rows}`, Array.from({ length: rows }, (_, i) => ({ id: `row-${i}`, fixture: FIXTURE, check: 'node test.js', prompt: `fix it ${i}` })));
  const run = await ws.run(['--pack', pack, '--backend', 'claude_code', '--concurrency', '1'], env);
  const record = await ws.show(run.runId);
  const tasks = [...record.tasks].sort((a, b) => a.task_id - b.task_id);
  return { run, tasks };
}

function allFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

describe.skipIf(!confinement.available)(`contained (${confinement.detail})`, () => {
  it('writes to ../ and ../../ fail, the task goes on, and the artifact names them and the mode', async () => {
    const root = workdirsRoot();
    const { tasks } = await runEscaping('escape-far', 1, { MITTELO_WORKDIRS: root });
    const task = tasks[0];
    const workspace = task?.artifact?.workspace;
    expect(workspace?.isolation).toMatchObject({ mode: 'contained' });
    expect(workspace?.isolation?.detail).toContain('mount namespace');
    // Nothing landed outside the workdir...
    expect(allFiles(root).filter((f) => !f.includes(`${path.sep}work${path.sep}`) && !f.includes('.finished'))).toEqual([]);
    expect(workspace?.wrote_outside).toEqual([]);
    // ...the agent saw EROFS and said so; the artifact names the refused writes.
    expect(task?.artifact?.stderr).toContain('EROFS: read-only file system');
    expect(workspace?.refused_outside).toEqual(['../escape.txt', '../../escape.txt']);
    expect(workspace?.outside).toContain('../escape.txt (refused: the task was contained, the folder is read-only)');
    // The work inside the workdir was done and checked; the escape fails the task.
    expect(workspace?.files).toEqual([{ path: 'math.js', change: 'changed' }]);
    expect(task?.checks).toMatchObject([
      { kind: 'workspace_check', pass: true },
      { kind: 'workspace_outside', pass: false, check: 'stays inside its workdir' },
    ]);
    expect(task?.checks[1]?.reason).toBe('tried to write outside its workdir (refused, the task was contained): ../escape.txt, ../../escape.txt');
    expect(task?.pass).toBe(false);
  });

  it("a write into another task's workdir fails and is reported; that workdir is untouched", async () => {
    const root = workdirsRoot();
    const { tasks } = await runEscaping('escape-sibling', 2, { MITTELO_WORKDIRS: root });
    const [first, second] = tasks;
    expect(first?.artifact?.workspace?.refused_outside).toEqual([]);
    const firstWorkdir = first?.artifact?.workspace?.workdir ?? '';
    expect(fs.readFileSync(path.join(firstWorkdir, 'math.js'), 'utf8')).toContain('return a + b;');
    const refused = second?.artifact?.workspace?.refused_outside ?? [];
    expect(refused).toEqual([`../../${path.basename(path.dirname(firstWorkdir))}/work/math.js`]);
    expect(second?.checks.find((c) => c.kind === 'workspace_outside')).toMatchObject({ pass: false });
  });
});

describe('detected only (MITTELO_CONFINE_WORKDIRS=off)', () => {
  it('writes to ../ and ../../ happen, and the artifact names them, the mode and a failing check', async () => {
    const root = workdirsRoot();
    const { run, tasks } = await runEscaping('escape-far', 1, { MITTELO_WORKDIRS: root, MITTELO_CONFINE_WORKDIRS: 'off' });
    escapedRun = run.runId;
    const workspace = tasks[0]?.artifact?.workspace;
    expect(workspace?.isolation?.mode).toBe('detected_only');
    expect(workspace?.isolation?.detail).toContain('MITTELO_CONFINE_WORKDIRS=off');
    expect(workspace?.wrote_outside).toEqual(['../escape.txt', '../../escape.txt']);
    expect(workspace?.refused_outside).toEqual([]);
    expect(workspace?.outside).toEqual(['../escape.txt (written next to the workdir; removed with it)', "../../escape.txt (written in the run's folder)"]);
    const check = tasks[0]?.checks.find((c) => c.kind === 'workspace_outside');
    expect(check).toMatchObject({ pass: false, detail: 'wrote outside' });
    expect(check?.reason).toBe('wrote outside its workdir: ../escape.txt, ../../escape.txt');
    // They really were written (detection does not stop anything).
    const runDir = path.dirname(path.dirname(workspace?.workdir ?? ''));
    expect(fs.readFileSync(path.join(runDir, 'escape.txt'), 'utf8')).toBe('two up\n');
  });

  it("a change to a finished task's workdir is named by the task that made it", async () => {
    const root = workdirsRoot();
    const { tasks } = await runEscaping('escape-sibling', 2, { MITTELO_WORKDIRS: root, MITTELO_CONFINE_WORKDIRS: 'off' });
    const [first, second] = tasks;
    const firstWorkdir = first?.artifact?.workspace?.workdir ?? '';
    expect(first?.artifact?.workspace?.wrote_outside).toEqual([]);
    expect(first?.checks.some((c) => c.kind === 'workspace_outside')).toBe(false);
    expect(fs.readFileSync(path.join(firstWorkdir, 'math.js'), 'utf8')).toBe('tampered by another task\n');
    const sibling = `../../${path.basename(path.dirname(firstWorkdir))}/work/math.js`;
    expect(second?.artifact?.workspace?.wrote_outside).toContain(sibling);
    expect(second?.artifact?.workspace?.outside).toContain(`${sibling} (written in another task's workdir)`);
    expect(second?.pass).toBe(false);
  });

  it('a task that stays inside has no outside check and passes', async () => {
    const root = workdirsRoot();
    const { run, tasks } = await runEscaping('fix', 1, { MITTELO_WORKDIRS: root, MITTELO_CONFINE_WORKDIRS: 'off' });
    insideRun = run.runId;
    expect(tasks[0]?.artifact?.workspace).toMatchObject({ wrote_outside: [], refused_outside: [], isolation: { mode: 'detected_only' } });
    expect(tasks[0]?.checks.map((c) => c.kind)).toEqual(['workspace_check']);
    expect(tasks[0]?.pass).toBe(true);
  });

  it('compare: the pair whose agent wrote outside is a new failure and shows the paths and the mode', async () => {
    const c = await ws.compare(insideRun, escapedRun, [], 1);
    const pair = c.pairs[0];
    expect(pair?.category).toBe('new_failure');
    expect(pair?.workspace?.a).toMatchObject({ wrote_outside: [], isolation: 'detected_only' });
    expect(pair?.workspace?.b).toMatchObject({ wrote_outside: ['../escape.txt', '../../escape.txt'], refused_outside: [], isolation: 'detected_only' });
    const text = await ws.cli(['compare', insideRun, escapedRun]);
    expect(text.stdout).toContain("outside the workdir: ../escape.txt (written next to the workdir; removed with it); ../../escape.txt (written in the run's folder)");
  });

  it('the outside paths and the mode travel with an exported run; the imported run fails the same check', async () => {
    const out = path.join(ws.dir, 'exported-escape');
    expect((await ws.cli(['runs', 'export', escapedRun, out])).code).toBe(0);
    const imported = await ws.cli(['runs', 'import', out, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    const record = await ws.show((JSON.parse(imported.stdout) as { run_id: string }).run_id);
    const task = record.tasks[0];
    expect(task?.artifact?.workspace).toMatchObject({ wrote_outside: ['../escape.txt', '../../escape.txt'], isolation: { mode: 'detected_only' } });
    expect(task?.checks.find((c) => c.kind === 'workspace_outside')).toMatchObject({ pass: false, reason: 'wrote outside its workdir: ../escape.txt, ../../escape.txt' });
  });
});
