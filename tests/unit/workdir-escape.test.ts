/**
 * Keeping a system test inside its workdir, on real folders and real child processes: the runner's
 * mount-namespace confinement (where this machine allows it), the detection of writes outside the
 * workdir after a task, the refused writes read from an agent's output, and the choice of mode.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { markFinished, prepareWorkdir, writesOutside, guardedFolders } from '../../core/agent/workdirs.js';
import { isolationFor, refusedWrites } from '../../core/agent/system-test.js';
import { confineMode, probeConfinement } from '../../drivers/run/confine.js';
import { runProcess } from '../../drivers/run/runner.js';
import { workspaceOutsideResult } from '../../core/runs/workspace-check.js';
import { artifactSchema, type Artifact } from '../../core/queue/artifact.js';
import { repoRoot, tempDir } from '../helpers.js';

const made: string[] = [];
function scratch(): string {
  const dir = tempDir('mittelo-escape-');
  made.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const confinement = probeConfinement();

describe.skipIf(!confinement.available)(`confined runs (${confinement.detail})`, () => {
  it('a write through .. fails with EROFS, one inside the workdir succeeds, the rest of the system is writable', async () => {
    const base = scratch();
    const prepared = await prepareWorkdir(base, 'run-1', 1, null);
    const sibling = await prepareWorkdir(base, 'run-1', 2, null);
    const elsewhere = scratch();
    const script = [
      'echo in > inside.txt',
      'echo x > ../up.txt || echo refused-up',
      'echo x > ../../up2.txt || echo refused-up2',
      `echo x > "${sibling.workdir}/theirs.txt" || echo refused-sibling`,
      `echo x > "${elsewhere}/free.txt" && echo wrote-elsewhere`,
    ].join('; ');
    const result = await runProcess({ command: 'sh', args: ['-c', script], stdin: null, workdir: prepared.workdir, confine: { writable: prepared.workdir, readOnly: [base] } });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual(['refused-up', 'refused-up2', 'refused-sibling', 'wrote-elsewhere']);
    expect(result.stderr).toContain('Read-only file system');
    // The argv recorded is the command's own, not the wrapper's.
    expect(result.argv).toEqual(['sh', '-c', script]);
    expect(fs.readFileSync(path.join(prepared.workdir, 'inside.txt'), 'utf8')).toBe('in\n');
    expect(fs.existsSync(path.join(prepared.taskDir, 'up.txt'))).toBe(false);
    expect(fs.existsSync(path.join(prepared.runDir, 'up2.txt'))).toBe(false);
    expect(fs.readdirSync(sibling.workdir)).toEqual([]);
    expect(fs.readFileSync(path.join(elsewhere, 'free.txt'), 'utf8')).toBe('x\n');
    // Nothing leaked into this process's mounts.
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(base);
  });

  it('keeps the kill ladder: a confined process tree is ended at its timeout', async () => {
    const base = scratch();
    const prepared = await prepareWorkdir(base, 'run-1', 1, null);
    const result = await runProcess({
      command: 'sh',
      args: ['-c', 'sleep 60 & sleep 60; wait'],
      stdin: null,
      workdir: prepared.workdir,
      timeoutMs: 500,
      killGraceMs: 200,
      confine: { writable: prepared.workdir, readOnly: [base] },
    });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode === null || result.signal !== null).toBe(true);
  });

  // Not root: a user namespace to mount in, our own uid again for the CLI (run as nobody by a root test
  // process). Skipped where the kernel gives unprivileged users no user namespace (then detection only).
  const nobodyHasUserNamespaces = process.getuid?.() === 0 && spawnSync('unshare', ['--user', '--map-root-user', 'true'], { uid: 65534, gid: 65534 }).status === 0;
  it.skipIf(!nobodyHasUserNamespaces)('works for a user that is not root: the CLI runs as that user, its files are that user\'s', async () => {
    const dir = scratch();
    fs.chmodSync(dir, 0o777);
    const script = path.join(dir, 'confined.mjs');
    fs.writeFileSync(
      script,
      [
        "import fs from 'node:fs';",
        `const { runProcess } = await import(${JSON.stringify(path.join(repoRoot, 'dist', 'drivers', 'run', 'runner.js'))});`,
        `const base = fs.mkdtempSync(${JSON.stringify(path.join(dir, 'base-'))});`,
        "fs.mkdirSync(`${base}/t/work`, { recursive: true });",
        "const r = await runProcess({ command: 'sh', args: ['-c', 'id -u; echo in > in.txt; echo x > ../out.txt || echo refused'], stdin: null, workdir: `${base}/t/work`, confine: { writable: `${base}/t/work`, readOnly: [base] } });",
        "console.log(JSON.stringify({ stdout: r.stdout, spawnError: r.spawnError, owner: fs.statSync(`${base}/t/work/in.txt`).uid, outside: fs.existsSync(`${base}/t/out.txt`) }));",
      ].join('\n'),
    );
    const ran = spawnSync(process.execPath, [script], { uid: 65534, gid: 65534, env: { PATH: process.env.PATH, HOME: dir }, encoding: 'utf8', timeout: 60_000 });
    expect(ran.status, ran.stderr).toBe(0);
    const seen = JSON.parse(ran.stdout) as { stdout: string; spawnError: unknown; owner: number; outside: boolean };
    expect(seen).toEqual({ stdout: '65534\nrefused\n', spawnError: null, owner: 65534, outside: false });
  });

  it('a missing command still fails to start (ENOENT), not as a wrapper error', async () => {
    const base = scratch();
    const prepared = await prepareWorkdir(base, 'run-1', 1, null);
    const result = await runProcess({ command: 'no-such-cli-mittelo', args: [], stdin: null, workdir: prepared.workdir, confine: { writable: prepared.workdir, readOnly: [base] } });
    expect(result.spawnError?.code).toBe('ENOENT');
  });
});

describe('finding writes outside the workdir after a task', () => {
  it('names writes next to the workdir, in the run folder and in the workdirs root; not other runs', async () => {
    const base = scratch();
    const prepared = await prepareWorkdir(base, 'run-1', 1, null);
    fs.writeFileSync(path.join(prepared.taskDir, 'a.txt'), 'x');
    fs.writeFileSync(path.join(prepared.runDir, 'b.txt'), 'x');
    fs.writeFileSync(path.join(base, 'c.txt'), 'x');
    // Another run started meanwhile: its folder is not a write of this task.
    await prepareWorkdir(base, 'run-2', 7, null);
    expect(writesOutside(prepared, { siblings: true })).toEqual([
      { path: '../a.txt', where: 'task' },
      { path: '../../b.txt', where: 'run' },
      { path: '../../../c.txt', where: 'root' },
    ]);
  });

  it("names changes to a sibling's workdir made after it finished, not before, nor a running sibling's own work", async () => {
    const base = scratch();
    const finished = await prepareWorkdir(base, 'run-1', 1, null);
    fs.writeFileSync(path.join(finished.workdir, 'own.txt'), 'its own work');
    await markFinished(finished);
    const running = await prepareWorkdir(base, 'run-1', 2, null);
    // File times are compared with the finish marker's: step past its clock tick.
    const later = new Date(Date.now() + 5000);
    const prepared = await prepareWorkdir(base, 'run-1', 3, null);
    fs.writeFileSync(path.join(running.workdir, 'busy.txt'), 'the running task writes its own workdir');
    fs.writeFileSync(path.join(finished.workdir, 'own.txt'), 'tampered');
    fs.utimesSync(path.join(finished.workdir, 'own.txt'), later, later);
    const found = writesOutside(prepared, { siblings: true });
    const name = path.basename(finished.taskDir);
    expect(found).toContainEqual({ path: `../../${name}/work/own.txt`, where: 'sibling' });
    expect(found.every((w) => !w.path.includes(path.basename(running.taskDir)))).toBe(true);
    expect(writesOutside(prepared, { siblings: false })).toEqual([]);
  });

  it('reads refused writes out of the agent output, only paths that are ours', () => {
    const workdir = '/w/run/task-1-abcdef/work';
    const output = [
      "Write tool failed: EROFS: read-only file system, open '../escape.txt'",
      'sh: 1: cannot create ../../other.txt: Read-only file system',
      "EROFS: read-only file system, open '/usr/lib/x.so'",
      "EROFS: read-only file system, open '/w/run/task-2-zzzzzz/work/a.js'",
      "Error: EACCES: permission denied, open '../not-refused-by-us'",
    ].join('\n');
    expect(refusedWrites(output, { workdir }, ['/w'])).toEqual(['../escape.txt', '../../other.txt', '../../task-2-zzzzzz/work/a.js']);
  });
});

describe('choosing contained or detected only', () => {
  it('MITTELO_CONFINE_WORKDIRS: off detects only, on requires containment, a bad value is named', async () => {
    const base = scratch();
    const prepared = await prepareWorkdir(base, 'run-1', 1, null);
    expect(isolationFor(prepared, { MITTELO_CONFINE_WORKDIRS: 'off' })).toMatchObject({ mode: 'detected_only', confine: null });
    const auto = isolationFor(prepared, {});
    expect(auto.mode).toBe(confinement.available ? 'contained' : 'detected_only');
    if (confinement.available) {
      expect(auto.confine).toEqual({ writable: prepared.workdir, readOnly: expect.arrayContaining([base]) as unknown as string[] });
      expect(isolationFor(prepared, { MITTELO_CONFINE_WORKDIRS: 'on' }).mode).toBe('contained');
    } else {
      expect(() => isolationFor(prepared, { MITTELO_CONFINE_WORKDIRS: 'on' })).toThrow(/MITTELO_CONFINE_WORKDIRS=on/);
    }
    expect(() => confineMode({ MITTELO_CONFINE_WORKDIRS: 'yes' })).toThrow('MITTELO_CONFINE_WORKDIRS must be one of auto, on, off; got "yes"');
  });

  it('never makes a shared folder read-only (the temp folder as the workdirs root)', () => {
    expect(guardedFolders(path.resolve('/tmp'), {}, '/somewhere')).toMatch(/a folder others use too/);
    expect(guardedFolders('/srv/workdirs', { MITTELO_DB: '/srv/ws/.mittelo/mittelo.db' }, '/srv/ws')).toEqual(['/srv/workdirs', '/srv/ws/.mittelo']);
    // A database outside any `.mittelo/` folder does not make its folder read-only.
    expect(guardedFolders('/srv/workdirs', { MITTELO_DB: '/data/hub.db' }, '/srv/ws')).toEqual(['/srv/workdirs', '/srv/ws/.mittelo']);
  });
});

describe('the outside check and the artifact', () => {
  it('fails naming the paths, is absent for a task that stayed inside, and old artifacts still read', () => {
    const artifact = (workspace: Record<string, unknown>) => artifactSchema.parse({ backend: 'x', workspace: { fixture: null, workdir: null, files: [], diff: '', truncated: false, check: null, ...workspace } });
    expect(workspaceOutsideResult(artifact({}))).toBeNull();
    expect(artifact({}).workspace).toMatchObject({ wrote_outside: [], refused_outside: [] });
    expect(artifact({}).workspace?.isolation).toBeUndefined();
    // As stored by a hub from before these fields (the database keeps the acked JSON as it was).
    const stored = { backend: 'x', workspace: { fixture: null, workdir: null, files: [], diff: '', truncated: false, outside: [], check: null } } as unknown as Artifact;
    expect(workspaceOutsideResult(stored)).toBeNull();
    const failed = workspaceOutsideResult(artifact({ wrote_outside: ['../other/file'], isolation: { mode: 'detected_only', detail: 'd' } }));
    expect(failed).toMatchObject({ kind: 'workspace_outside', pass: false, reason: 'wrote outside its workdir: ../other/file' });
  });
});
