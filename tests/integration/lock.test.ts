/**
 * `mittelo lock write` and `mittelo lock check` as real child processes against the fake CLIs on a
 * made-up machine, plus `lockState()` in-process as runs call it. Needs `npm run build` first.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeCodeDriver } from '../../drivers/claude-code.js';
import { codexDriver } from '../../drivers/codex.js';
import { geminiDriver } from '../../drivers/gemini.js';
import type { DriftReport } from '../../core/lock/check.js';
import { lockState } from '../../core/lock/check.js';
import type { LockFile } from '../../core/lock/file.js';
import { cliPath, runCli } from '../helpers.js';
import { FakeMachine, SOME_CLI_IN_BREW_DIRS, json } from '../lock-helpers.js';

const machines: FakeMachine[] = [];
function machine(clis: string[]): FakeMachine {
  const m = new FakeMachine(clis);
  machines.push(m);
  return m;
}

/** A lock written once by `lock write` from the three fakes, copied into each machine that needs one. */
let baseLock = '';

beforeAll(async () => {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` before the CLI tests`);
  const m = machine(['claude', 'gemini', 'codex']);
  const write = await m.run(['lock', 'write']);
  expect(write.code, write.stderr).toBe(0);
  baseLock = fs.readFileSync(m.lockFile, 'utf8');
});
afterAll(() => machines.forEach((m) => m.remove()));

function statusOf(report: DriftReport, cli: string): string | undefined {
  return report.entries.find((e) => e.cli === cli)?.status;
}

/** A machine with the three fake CLIs and the lock written from them. */
function locked(): FakeMachine {
  const m = machine(['claude', 'gemini', 'codex']);
  fs.writeFileSync(m.lockFile, baseLock);
  return m;
}

describe('mittelo lock write', () => {
  it.skipIf(SOME_CLI_IN_BREW_DIRS)('records each installed CLI with its version, source and driver flags, and notes the CLIs left out', async () => {
    const m = machine(['claude', 'gemini', 'codex']);
    const result = await m.run(['lock', 'write', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const out = json<{ file: string; lock: LockFile; left_out: { cli: string; reason: string }[] }>(result);
    expect(out.file).toBe(m.lockFile);

    const lock = m.readLock();
    expect(lock.clis.map((e) => [e.name, e.version])).toEqual([
      ['claude_code', '2.1.197'],
      ['gemini', '0.61.0'],
      ['codex', '0.169.0'],
    ]);
    expect(lock.clis.find((e) => e.name === 'claude_code')?.flags).toEqual(claudeCodeDriver.requiredFlags);
    expect(lock.clis.find((e) => e.name === 'codex')?.flags).toEqual(codexDriver.requiredFlags);
    // The fakes are neither in node_modules nor in a Cellar: the source says where they are.
    expect(lock.clis[0]?.source).toMatchObject({ type: 'other' });
    expect(lock.clis[0]?.source.note).toContain('published on npm as @anthropic-ai/claude-code');
    expect(out.left_out.map((l) => l.cli).sort()).toEqual(['kimi', 'kimi_code', 'kiro', 'opencode']);
    expect(lock.notes.some((n) => n.startsWith('kimi left out: not installed'))).toBe(true);
  });

  it('pins the model chosen by MITTELO_<NAME>_MODEL and locks only the CLIs named with --backend', async () => {
    const m = machine(['claude', 'gemini']);
    const result = await m.run(['lock', 'write', '--backend', 'glm']);
    expect(result.code, result.stderr).toBe(0);
    expect(m.readLock().clis.map((e) => e.name)).toEqual(['claude_code']);

    const env = { ...m.env, MITTELO_GEMINI_MODEL: 'gemini-2.5-pro' };
    const again = await runCli(['lock', 'write', '--backend', 'gemini,claude_code'], env, m.workspace);
    expect(again.code, again.stderr).toBe(0);
    const lock = m.readLock();
    expect(lock.clis.map((e) => e.name).sort()).toEqual(['claude_code', 'gemini']);
    expect(lock.clis.find((e) => e.name === 'gemini')?.model).toBe('gemini-2.5-pro');
    expect(lock.clis.find((e) => e.name === 'claude_code')?.model).toBeUndefined();
  });

  it.skipIf(SOME_CLI_IN_BREW_DIRS)('writes nothing and exits 1 when a CLI named with --backend is not installed or lacks a flag', async () => {
    const m = machine(['claude']);
    const missing = await m.run(['lock', 'write', '--backend', 'claude_code', '--backend', 'kimi']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('left out kimi: not installed');
    expect(fs.existsSync(m.lockFile)).toBe(false);

    m.wrap('claude', { FAKE_CLI_HELP_DROP: '--permission-mode' });
    const noFlag = await m.run(['lock', 'write', '--backend', 'claude_code']);
    expect(noFlag.code).toBe(1);
    expect(noFlag.stdout).toContain('lacks --permission-mode');
    expect(fs.existsSync(m.lockFile)).toBe(false);
  });
});

describe('mittelo lock check', () => {
  it('reports ok for every CLI right after lock write and exits 0', async () => {
    const m = locked();
    const result = await m.run(['lock', 'check', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = json<DriftReport>(result);
    expect(report.ok).toBe(true);
    expect(report.entries.filter((e) => e.status !== 'unlocked').map((e) => [e.cli, e.status, e.installed_version])).toEqual([
      ['claude_code', 'ok', '2.1.197'],
      ['gemini', 'ok', '0.61.0'],
      ['codex', 'ok', '0.169.0'],
    ]);
  });

  it('a lock pinned to an older version reports newer drift and exits 1', async () => {
    const m = locked();
    m.setLockedVersion('claude_code', '2.0.5');
    const result = await m.run(['lock', 'check', '--json']);
    expect(result.code).toBe(1);
    const report = json<DriftReport>(result);
    expect(report.ok).toBe(false);
    const entry = report.entries.find((e) => e.cli === 'claude_code');
    expect(entry).toMatchObject({ status: 'newer', locked_version: '2.0.5', installed_version: '2.1.197' });
    expect(entry?.fix).toContain('2.0.5');
    expect(statusOf(report, 'gemini')).toBe('ok');
    const human = await m.run(['lock', 'check']);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/claude_code\s+newer\s+2\.0\.5\s+2\.1\.197/);
    expect(human.stdout).toContain('drift: claude_code newer');
  });

  it('a lock pinned to a newer version reports older; an unorderable one reports different', async () => {
    const m = locked();
    m.setLockedVersion('gemini', '0.61.1');
    m.setLockedVersion('codex', 'nightly-2026-11-20');
    const result = await m.run(['lock', 'check', '--json']);
    expect(result.code).toBe(1);
    const report = json<DriftReport>(result);
    expect(statusOf(report, 'gemini')).toBe('older');
    expect(statusOf(report, 'codex')).toBe('different');
    expect(statusOf(report, 'claude_code')).toBe('ok');
  });

  it('a locked flag missing from the installed CLI --help is flag_missing', async () => {
    const m = locked();
    m.wrap('gemini', { FAKE_CLI_HELP_DROP: '--skip-trust' });
    const result = await m.run(['lock', 'check', '--json']);
    expect(result.code).toBe(1);
    const entry = json<DriftReport>(result).entries.find((e) => e.cli === 'gemini');
    expect(entry).toMatchObject({ status: 'flag_missing', missing_flags: ['--skip-trust'], installed_version: '0.61.0' });
    expect(entry?.message).toContain('--skip-trust missing from `gemini --help`');
  });

  it.skipIf(SOME_CLI_IN_BREW_DIRS)('a locked CLI removed from PATH is missing; an installed CLI outside the lock is unlocked (not drift)', async () => {
    const m = machine(['claude', 'gemini']);
    expect((await m.run(['lock', 'write', '--backend', 'claude_code'])).code).toBe(0);
    const clean = await m.run(['lock', 'check']);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/^claude_code\s+ok\s+2\.1\.197\s+2\.1\.197/m);
    expect(clean.stdout).toMatch(/^gemini\s+unlocked\s+—\s+0\.61\.0\s+installed \(0\.61\.0\) but not in the lock$/m);
    expect(clean.stdout).toContain('no drift');

    m.uninstall('claude');
    const result = await m.run(['lock', 'check', '--json']);
    expect(result.code).toBe(1);
    const report = json<DriftReport>(result);
    expect(report.entries.find((e) => e.cli === 'gemini')).toMatchObject({ status: 'unlocked', installed_version: '0.61.0', locked_version: null });
    const entry = report.entries.find((e) => e.cli === 'claude_code');
    expect(entry).toMatchObject({ status: 'missing', installed_version: null, locked_version: '2.1.197' });
    expect(entry?.message).toContain('not installed');
  });

  it('exits 2 without a lock file, and on a lock file that does not match the schema, naming the field', async () => {
    const m = machine(['claude']);
    const none = await m.run(['lock', 'check']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no lock file');

    fs.writeFileSync(m.lockFile, JSON.stringify({ lock_version: 1, written_at: 'x', clis: [{ name: 'claude_code', source: { type: 'npm' }, version: '1.0.0', flags: [] }] }));
    const bad = await m.run(['lock', 'check']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('clis.0.source.package');
  });
});

describe('lockState()', () => {
  it('is null without a lock file and lists each CLI as runs record it', async () => {
    const m = locked();
    expect(await lockState({ workspace: m.root, env: m.env })).toBeNull();
    m.setLockedVersion('codex', 'nightly');
    m.setLockedVersion('gemini', geminiDriver.verifiedVersion ?? '0.61.0');
    const state = await lockState({ workspace: m.workspace, env: m.env });
    expect(state?.filter((e) => e.status !== 'unlocked')).toEqual([
      { cli: 'claude_code', locked_version: '2.1.197', installed_version: '2.1.197', status: 'ok' },
      { cli: 'gemini', locked_version: '0.61.0', installed_version: '0.61.0', status: 'ok' },
      // A version that cannot be ordered against the lock is recorded as `different`, as `lock check` says.
      { cli: 'codex', locked_version: 'nightly', installed_version: '0.169.0', status: 'different' },
    ]);
  });
});
