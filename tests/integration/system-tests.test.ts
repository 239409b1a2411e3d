/**
 * System tests end to end: `mittelo run` of packs/system against a hub with the fake Claude Code
 * editing its workdir the way an agent does (FAKE_CLI_EDIT), real fixture copies, real check
 * processes in the workdir, the diff and the check in the stored artifact, export and import.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import { repoRoot, startTestHub, tempDir } from '../helpers.js';
import { stopTestHub, Workspace } from '../runs-helpers.js';

const SYSTEM_PACK = path.join(repoRoot, 'packs', 'system.jsonl');

let hub: RunningHub & { dbPath: string };
let ws: Workspace;
let workdirs: string;
/** The runs of the first two tests (an agent that fixes, one that breaks), compared by a later one. */
let fixedRun = '';
let brokenRun = '';

beforeAll(async () => {
  hub = await startTestHub();
  ws = new Workspace(hub.port);
  workdirs = tempDir('mittelo-workdirs-');
});

afterAll(async () => {
  await stopTestHub(hub);
  ws.remove();
  fs.rmSync(workdirs, { recursive: true, force: true });
});

function taskOf(record: Awaited<ReturnType<Workspace['show']>>, id: string) {
  const task = record.tasks.find((t) => t.prompt_id === id);
  if (!task) throw new Error(`no task ${id}`);
  return task;
}

describe('system tests (fixture, workspace diff, check)', () => {
  it('an agent that fixes the fixtures passes every check; the diff names what it changed', async () => {
    ws.wrap('claude', { FAKE_CLI_EDIT: 'fix' });
    const run = await ws.run(['--pack', SYSTEM_PACK, '--backend', 'claude_code'], { MITTELO_WORKDIRS: workdirs, ANTHROPIC_API_KEY: 'sk-ant-system-test-secret-1' });
    expect(run.code, run.stderr).toBe(0);
    fixedRun = run.runId;
    const record = await ws.show(run.runId);
    expect(record.tasks).toHaveLength(3);
    for (const task of record.tasks) {
      expect(task.status, task.error ?? '').toBe('done');
      expect(task.artifact?.tool_policy).toBe('workspace-write');
      expect(task.checks).toMatchObject([{ kind: 'workspace_check', pass: true }]);
      expect(task.pass).toBe(true);
    }
    const fix = taskOf(record, 'fix-test').artifact?.workspace;
    expect(fix?.fixture).toBe('system/fix-test');
    expect(fix?.files).toEqual([{ path: 'math.js', change: 'changed' }]);
    expect(fix?.diff).toContain('--- a/math.js');
    expect(fix?.diff).toContain('-  return a - b;');
    expect(fix?.diff).toContain('+  return a + b;');
    expect(fix?.check).toMatchObject({ command: 'node test.js', exit_code: 0, pass: true });
    expect(fix?.check?.stdout).toContain('all math tests pass');
    // Kept for inspection (MITTELO_KEEP_WORKDIRS default), inside MITTELO_WORKDIRS, with the agent's edit.
    expect(fix?.workdir?.startsWith(workdirs)).toBe(true);
    expect(fs.readFileSync(path.join(fix?.workdir ?? '', 'math.js'), 'utf8')).toContain('a + b');
    expect(JSON.stringify(record)).not.toContain('sk-ant-system-test-secret-1');
  });

  it('an agent that breaks them fails the checks, with the exit code and why in words', async () => {
    ws.wrap('claude', { FAKE_CLI_EDIT: 'break' });
    const run = await ws.run(['--pack', SYSTEM_PACK, '--backend', 'claude_code'], { MITTELO_WORKDIRS: workdirs });
    expect(run.code).toBe(1);
    brokenRun = run.runId;
    const record = await ws.show(run.runId);
    const fix = taskOf(record, 'fix-test');
    expect(fix.status).toBe('done');
    expect(fix.pass).toBe(false);
    expect(fix.checks[0]).toMatchObject({ kind: 'workspace_check', pass: false, detail: 'exit 1' });
    expect(fix.checks[0]?.reason).toMatch(/^the check `node test.js` exited with code 1: /);
    expect(fix.artifact?.workspace?.files).toEqual([
      { path: 'NOTES.txt', change: 'added' },
      { path: 'math.js', change: 'changed' },
      { path: 'test.js', change: 'deleted' },
    ]);
    expect(fix.artifact?.workspace?.diff).toContain('--- /dev/null\n+++ b/NOTES.txt');
    expect(fix.artifact?.workspace?.diff).toContain('--- a/test.js\n+++ /dev/null');
    const readme = taskOf(record, 'update-readme');
    expect(readme.checks[0]).toMatchObject({ pass: false });
    expect(readme.artifact?.workspace?.check?.stderr).toContain('README.md does not document: --shout');
  });

  it('writes through .. and links pointing out are reported (detection only: containment is tests/integration/workdir-containment.test.ts)', async () => {
    ws.wrap('claude', { FAKE_CLI_EDIT: 'escape' });
    const pack = ws.pack('escape', [{ id: 'fix-test', fixture: path.join(repoRoot, 'packs', 'system', 'fix-test'), check: 'node test.js', prompt: 'fix it' }]);
    const run = await ws.run(['--pack', pack, '--backend', 'claude_code'], { MITTELO_WORKDIRS: workdirs, MITTELO_CONFINE_WORKDIRS: 'off' });
    const record = await ws.show(run.runId);
    const workspace = record.tasks[0]?.artifact?.workspace;
    expect(workspace?.outside).toEqual([
      '../escaped.txt (written next to the workdir; removed with it)',
      'outside-link -> /etc/hostname (a link pointing out of the workdir)',
    ]);
    // Written into the task's own folder, not next to other tasks' folders.
    expect(fs.existsSync(path.join(path.dirname(workspace?.workdir ?? ''), 'escaped.txt'))).toBe(true);
    expect(fs.readdirSync(workdirs).some((name) => name === 'escaped.txt')).toBe(false);
  });

  it('a fixture with a link pointing out is refused when the pack is read, naming the file', async () => {
    const fixture = path.join(ws.dir, 'leaky');
    fs.mkdirSync(fixture);
    fs.writeFileSync(path.join(fixture, 'a.txt'), 'a\n');
    fs.symlinkSync('/etc/passwd', path.join(fixture, 'passwd'));
    const pack = ws.pack('leaky', [{ id: 'x', fixture: 'leaky', check: 'true', prompt: 'look' }]);
    const result = await ws.cli(['run', '--no-embedded', '--pack', pack, '--backend', 'claude_code']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('fixture "leaky": passwd is a symbolic link pointing out of the fixture (/etc/passwd)');
  });

  it('the check runs without the agent\'s secrets and only for packs this process read', async () => {
    ws.wrap('claude', { FAKE_CLI_EDIT: 'fix' });
    const pack = ws.pack('secret', [{ id: 's', check: "sh -c 'env | grep -q system-secret-2 && exit 9 || exit 0'", prompt: 'anything' }]);
    const run = await ws.run(['--pack', pack, '--backend', 'claude_code'], { MITTELO_WORKDIRS: workdirs, ANTHROPIC_API_KEY: 'sk-system-secret-2' });
    const record = await ws.show(run.runId);
    expect(record.tasks[0]?.artifact?.workspace?.check).toMatchObject({ exit_code: 0, pass: true });
    expect(record.tasks[0]?.artifact?.workspace?.files).toEqual([]);
  });

  it('the diff and the check travel with an exported run and are read back after import', async () => {
    ws.wrap('claude', { FAKE_CLI_EDIT: 'break' });
    const run = await ws.run(['--pack', SYSTEM_PACK, '--backend', 'claude_code'], { MITTELO_WORKDIRS: workdirs });
    const out = path.join(ws.dir, 'exported');
    const exported = await ws.cli(['runs', 'export', run.runId, out]);
    expect(exported.code, exported.stderr).toBe(0);
    const imported = await ws.cli(['runs', 'import', out, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    const newId = (JSON.parse(imported.stdout) as { run_id: string }).run_id;
    const before = await ws.show(run.runId);
    const after = await ws.show(newId);
    const a = taskOf(before, 'fix-test');
    const b = taskOf(after, 'fix-test');
    expect(b.artifact?.workspace?.diff).toBe(a.artifact?.workspace?.diff);
    expect(b.artifact?.workspace?.files).toEqual(a.artifact?.workspace?.files);
    expect(b.checks).toMatchObject([{ kind: 'workspace_check', pass: false, detail: 'exit 1' }]);
  });

  it('MITTELO_KEEP_WORKDIRS=0 removes each workdir when its task ends', async () => {
    ws.wrap('claude', { FAKE_CLI_EDIT: 'fix' });
    const dir = tempDir('mittelo-workdirs-none-');
    const run = await ws.run(['--pack', SYSTEM_PACK, '--backend', 'claude_code'], { MITTELO_WORKDIRS: dir, MITTELO_KEEP_WORKDIRS: '0' });
    expect(run.code, run.stderr).toBe(0);
    const record = await ws.show(run.runId);
    expect(record.tasks.every((t) => t.artifact?.workspace?.workdir === null)).toBe(true);
    const left = fs.readdirSync(dir).flatMap((runDir) => fs.readdirSync(path.join(dir, runDir)));
    expect(left).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('compare shows both workspace diffs, the files touched differently and the diff of the diffs; the broken check regresses', async () => {
    const c = await ws.compare(fixedRun, brokenRun, [], 1);
    expect(c.summary.regressions).toBe(true);
    const pair = c.pairs.find((p) => p.prompt_id === 'fix-test');
    expect(pair?.category).toBe('new_failure');
    expect(pair?.check_regressions.map((check) => check.kind)).toEqual(['workspace_check']);
    expect(pair?.workspace?.a?.check).toMatchObject({ pass: true, exit_code: 0 });
    expect(pair?.workspace?.b?.check).toMatchObject({ pass: false, exit_code: 1 });
    expect(pair?.workspace?.touched_differently).toEqual([
      { path: 'NOTES.txt', a: null, b: 'added', differently: false },
      { path: 'math.js', a: 'changed', b: 'changed', differently: true },
      { path: 'test.js', a: null, b: 'deleted', differently: false },
    ]);
    const dod = pair?.workspace?.diff_of_diffs?.hunks.flatMap((h) => h.lines) ?? [];
    expect(dod.some((line) => line.kind === 'removed' && line.text === '+  return a + b;')).toBe(true);
    expect(dod.some((line) => line.kind === 'added' && line.text === '+  return a * b;')).toBe(true);

    const htmlFile = path.join(ws.dir, 'cmp.html');
    const text = await ws.cli(['compare', fixedRun, brokenRun, '--html', htmlFile]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('  workspace A: 1 file changed (math.js changed) · check passed');
    expect(text.stdout).toMatch(/ {2}workspace B: 3 files changed \(NOTES.txt added, math.js changed, test.js deleted\) · check failed: the check `node test.js` exited with code 1/);
    expect(text.stdout).toContain('  touched differently: NOTES.txt (B added only), math.js (both changed, differently), test.js (B deleted only)');
    const page = fs.readFileSync(htmlFile, 'utf8');
    expect(page).toContain('<details class="ws-file"><summary>math.js <span class="muted">JavaScript</span></summary>');
    // Syntax-coloured at render time, the palette embedded: the keyword of the changed line is a span.
    expect(page).toContain('<span class="l l-add"><span class="sign">+</span>  <span class="hljs-keyword">return</span> a * b;');
    expect(page).toContain('.hljs-keyword, .hljs-doctag');
    expect(page).toContain('Diff of the diffs');
    expect(page).toContain('Touched differently: NOTES.txt (B added only)');
  });
});
