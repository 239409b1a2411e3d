/**
 * The pieces of a system test on real folders: fixture snapshots (links, caps), the workdir's diff
 * (added, changed, deleted, binary named only, truncation marked), writing a snapshot back, and the
 * workspace check's allowlist and time limit (real processes through the runner).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readFixture } from '../../core/runs/fixture.js';
import { diffWorkspace, looksBinary } from '../../core/agent/workspace-diff.js';
import { prepareWorkdir, pruneWorkdirs, writeFixture, writesOutside } from '../../core/agent/workdirs.js';
import { runWorkspaceCheck, systemTestOf } from '../../core/agent/system-test.js';
import { workspaceCheckResult } from '../../core/runs/workspace-check.js';
import { tempDir } from '../helpers.js';

const made: string[] = [];
function scratch(): string {
  const dir = tempDir('mittelo-systest-');
  made.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tree(root: string, files: Record<string, string | Buffer>): void {
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
}

describe('fixture snapshots', () => {
  it('keeps files, executables and links inside; refuses a link pointing out', () => {
    const base = scratch();
    tree(path.join(base, 'fx'), { 'a.txt': 'a\n', 'sub/b.bin': Buffer.from([0, 1, 2]) });
    fs.chmodSync(path.join(base, 'fx', 'a.txt'), 0o755);
    fs.symlinkSync('../a.txt', path.join(base, 'fx', 'sub', 'to-a'));
    const snapshot = readFixture('fx', base, 'pack.jsonl:1');
    expect(snapshot.files).toEqual([
      { path: 'a.txt', base64: Buffer.from('a\n').toString('base64'), executable: true },
      { path: 'sub/b.bin', base64: Buffer.from([0, 1, 2]).toString('base64') },
      { path: 'sub/to-a', link: '../a.txt' },
    ]);
    fs.symlinkSync('../../outside', path.join(base, 'fx', 'sub', 'out'));
    expect(() => readFixture('fx', base, 'pack.jsonl:1')).toThrow('pack.jsonl:1: fixture "fx": sub/out is a symbolic link pointing out of the fixture (../../outside)');
  });

  it('names a missing folder and a file given as fixture', () => {
    const base = scratch();
    expect(() => readFixture('nope', base, 'p:2')).toThrow(`p:2: fixture "nope": no folder ${path.join(base, 'nope')}`);
    fs.writeFileSync(path.join(base, 'file'), 'x');
    expect(() => readFixture('file', base, 'p:2')).toThrow('is not a folder');
  });

  it('writes a snapshot back and refuses paths that leave the workdir', async () => {
    const base = scratch();
    tree(path.join(base, 'fx'), { 'x/y.txt': 'y\n' });
    const prepared = await prepareWorkdir(path.join(base, 'work'), 'run-1', 7, readFixture('fx', base, 'p'));
    expect(fs.readFileSync(path.join(prepared.workdir, 'x', 'y.txt'), 'utf8')).toBe('y\n');
    await expect(writeFixture({ name: 'bad', files: [{ path: '../evil', base64: '' }] }, prepared.workdir)).rejects.toThrow('is outside the workdir');
    await expect(writeFixture({ name: 'bad', files: [{ path: 'l', link: '../../x' }] }, prepared.workdir)).rejects.toThrow('points out of the workdir');
    expect(fs.existsSync(path.join(prepared.taskDir, 'evil'))).toBe(false);
  });

  it('a malformed system test in task metadata is an error naming the field', () => {
    expect(systemTestOf({})).toBeNull();
    // A check task's own `check` (its kind) is not a system test.
    expect(systemTestOf({ check: 'command', check_of: 3 })).toBeNull();
    expect(() => systemTestOf({ fixture: { name: 'x', files: [{ path: '/etc/passwd', base64: '' }] } })).toThrow(/fixture\.files\.0\.path/);
  });
});

describe('workspace diff', () => {
  it('lists added, changed and deleted files, names binary files without inlining them', async () => {
    const base = scratch();
    tree(path.join(base, 'fx'), { 'keep.txt': 'same\n', 'edit.txt': 'one\ntwo\n', 'gone.txt': 'bye\n', 'img.bin': Buffer.from([0, 0, 1]) });
    const snapshot = readFixture('fx', base, 'p');
    const prepared = await prepareWorkdir(path.join(base, 'w'), null, 1, snapshot);
    const w = prepared.workdir;
    fs.writeFileSync(path.join(w, 'edit.txt'), 'one\nTWO\n');
    fs.rmSync(path.join(w, 'gone.txt'));
    fs.writeFileSync(path.join(w, 'new.txt'), 'hello\n');
    fs.writeFileSync(path.join(w, 'img.bin'), Buffer.from([0, 0, 2, 0xff]));
    const diff = await diffWorkspace(snapshot, w);
    expect(diff.files).toEqual([
      { path: 'edit.txt', change: 'changed' },
      { path: 'gone.txt', change: 'deleted' },
      { path: 'img.bin', change: 'changed', binary: true },
      { path: 'new.txt', change: 'added' },
    ]);
    expect(diff.diff).toContain('diff --git a/edit.txt b/edit.txt\n--- a/edit.txt\n+++ b/edit.txt\n@@ -1,2 +1,2 @@\n one\n-two\n+TWO\n');
    expect(diff.diff).toContain('Binary files a/img.bin and b/img.bin differ');
    expect(diff.diff).not.toContain('\0');
    expect(diff.truncated).toBe(false);
    expect(looksBinary(Buffer.from('plain ütf-8 text'))).toBe(false);
  });

  it('caps the diff and marks the truncation, still listing every changed file', async () => {
    const base = scratch();
    const w = path.join(base, 'w');
    tree(w, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${String(i).padStart(2, '0')}.txt`, `${'line\n'.repeat(50)}`])));
    const diff = await diffWorkspace(null, w, { maxBytes: 2000 });
    expect(diff.files).toHaveLength(20);
    expect(diff.truncated).toBe(true);
    expect(diff.diff.length).toBeLessThan(2000 + 300);
    expect(diff.diff).toMatch(/\.\.\. diff truncated/);
  });

  it('reports what was written next to the workdir and links pointing out', async () => {
    const base = scratch();
    const prepared = await prepareWorkdir(base, 'r', 1, null);
    fs.writeFileSync(path.join(prepared.workdir, '..', 'escaped'), 'x');
    fs.symlinkSync('/etc', path.join(prepared.workdir, 'etc'));
    expect(writesOutside(prepared, { siblings: false })).toEqual([{ path: '../escaped', where: 'task' }]);
    expect((await diffWorkspace(null, prepared.workdir)).outside).toEqual(['etc -> /etc (a link pointing out of the workdir)']);
  });
});

describe('workspace checks', () => {
  it('are refused unless this agent may run them, and pass or fail by exit code', async () => {
    const w = scratch();
    fs.writeFileSync(path.join(w, 'ok'), '');
    const refused = await runWorkspaceCheck('test -e ok', w, undefined, {});
    expect(refused).toMatchObject({ pass: false, exit_code: null });
    expect(refused.reason).toContain('was not run: this agent runs only the checks of packs it read itself');
    expect(await runWorkspaceCheck('test -e ok', w, new Set(['other']), {}).then((r) => r.pass)).toBe(false);
    expect(await runWorkspaceCheck('test -e ok', w, new Set(['test -e ok']), {})).toMatchObject({ pass: true, exit_code: 0 });
    const missing = await runWorkspaceCheck('test -e nope', w, 'any', {});
    expect(missing).toMatchObject({ pass: false, exit_code: 1, reason: 'the check `test -e nope` exited with code 1' });
  });

  it('is stopped at its timeout and says so', async () => {
    const w = scratch();
    const result = await runWorkspaceCheck({ run: 'sleep 30', timeout_seconds: 0.5 }, w, 'any', { killGraceMs: 200 });
    expect(result).toMatchObject({ pass: false, timed_out: true });
    expect(result.reason).toContain('did not finish within 0.5 s');
  });

  it('becomes a check result: pending while the task runs, failed when the task failed or it never ran', () => {
    expect(workspaceCheckResult(false, 'done', null)).toBeNull();
    expect(workspaceCheckResult(true, 'leased', null)).toMatchObject({ pending: true, pass: false });
    expect(workspaceCheckResult(true, 'failed', null)).toMatchObject({ pass: false, detail: 'not run' });
  });
});

describe('workdir retention', () => {
  it('keeps the newest N run folders and the current one', async () => {
    const base = scratch();
    for (const [i, name] of ['old', 'mid', 'new'].entries()) {
      fs.mkdirSync(path.join(base, name));
      const t = new Date(Date.now() - (3 - i) * 60_000);
      fs.utimesSync(path.join(base, name), t, t);
    }
    await pruneWorkdirs(base, 1, path.join(base, 'old'));
    expect(fs.readdirSync(base).sort()).toEqual(['new', 'old']);
  });
});
