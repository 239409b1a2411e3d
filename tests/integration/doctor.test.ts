/**
 * `mittelo doctor` as a real child process on a made-up machine (fake CLIs, own HOME, temp
 * database, free ports): report shape and exit codes, occupied ports, a corrupt database left
 * untouched, --live through a fake, and the history kept across runs. Needs `npm run build` first.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../core/doctor/types.js';
import type { DoctorHistoryRow } from '../../core/doctor/history.js';
import { cliPath, runCli, startTestHub } from '../helpers.js';
import { FakeMachine, SOME_CLI_IN_BREW_DIRS, freePort, json } from '../lock-helpers.js';

const machines: FakeMachine[] = [];
function machine(clis: string[]): FakeMachine {
  const m = new FakeMachine(clis);
  machines.push(m);
  return m;
}

beforeAll(() => {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` before the CLI tests`);
});
afterAll(() => machines.forEach((m) => m.remove()));

async function doctor(m: FakeMachine, args: string[]): Promise<{ code: number | null; report: DoctorReport }> {
  const port = await freePort();
  const result = await m.run(['doctor', '--json', '--db', m.dbPath, '--port', String(port), ...args]);
  return { code: result.code, report: json<DoctorReport>(result) };
}

function core(report: DoctorReport, check: string) {
  return report.core.find((c) => c.check === check);
}

function backend(report: DoctorReport, name: string) {
  return report.backends.find((b) => b.backend === name);
}

describe('mittelo doctor', () => {
  it('fails on an unknown MITTELO_CONTAINMENT, which would fail every run, and names it', async () => {
    const m = machine([]);
    const result = await runCli(['doctor', '--json', '--core', '--db', m.dbPath, '--port', '0'], { ...m.env, MITTELO_CONTAINMENT: 'jail' }, m.workspace);
    const report = json<DoctorReport>(result);
    expect(result.code).toBe(1);
    expect(core(report, 'containment')).toMatchObject({
      status: 'fail',
      summary: 'MITTELO_CONTAINMENT must be one of auto, cgroup, environ, group; got "jail"',
    });
  });

  it('says how system-test workdirs are kept in, and fails on an unknown MITTELO_CONFINE_WORKDIRS', async () => {
    const m = machine([]);
    const off = json<DoctorReport>(await runCli(['doctor', '--json', '--core', '--db', m.dbPath, '--port', '0'], { ...m.env, MITTELO_CONFINE_WORKDIRS: 'off' }, m.workspace));
    expect(core(off, 'containment')?.summary).toMatch(/; system-test workdirs: writes outside are detected after the task \(MITTELO_CONFINE_WORKDIRS=off\)$/);
    expect(core(off, 'containment')?.details.workdirs).toBe('detected_only');
    const bad = await runCli(['doctor', '--json', '--core', '--db', m.dbPath, '--port', '0'], { ...m.env, MITTELO_CONFINE_WORKDIRS: 'maybe' }, m.workspace);
    expect(bad.code).toBe(1);
    expect(core(json<DoctorReport>(bad), 'containment')).toMatchObject({ status: 'fail', summary: 'MITTELO_CONFINE_WORKDIRS must be one of auto, on, off; got "maybe"' });
  });

  it.skipIf(SOME_CLI_IN_BREW_DIRS)('--json reports core checks and every vendor CLI; only locked CLIs are required, so exit 0', async () => {
    const m = machine(['claude', 'gemini']);
    expect((await m.run(['lock', 'write', '--backend', 'claude_code'])).code).toBe(0);
    const { code, report } = await doctor(m, []);
    expect(code, JSON.stringify(report.failures)).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.core.map((c) => [c.check, c.status])).toEqual([
      ['node', 'ok'],
      ['sqlite', 'ok'],
      ['database', 'ok'],
      ['containment', 'ok'],
      ['jsonl_port', 'ok'],
    ]);
    expect(core(report, 'containment')?.summary).toMatch(/^task processes: (cgroup v2 under |environment tag sweep of \/proc|process groups)/);
    expect(core(report, 'sqlite')?.details.sqlite_version).toMatch(/^3\.\d+/);
    expect(core(report, 'database')?.details).toMatchObject({ path: m.dbPath, created: true });
    expect(report.lock).toEqual({ file: m.lockFile, present: true, error: null });
    expect(report.backends.map((b) => b.backend)).toEqual(['claude_code', 'gemini', 'codex', 'kiro', 'kimi', 'kimi_code', 'opencode']);

    const claude = backend(report, 'claude_code');
    expect(claude).toMatchObject({ required: true, required_because: ['lock'], status: 'warn', version: '2.1.197', live: null });
    expect(claude?.binary).toEqual({ path: path.join(m.bin, 'claude'), source: 'path' });
    expect(claude?.flags?.missing).toEqual([]);
    expect(claude?.auth.hint).toContain('no credentials found');
    expect(claude?.lock).toMatchObject({ status: 'ok', locked_version: '2.1.197', installed_version: '2.1.197' });
    expect(backend(report, 'gemini')).toMatchObject({ required: false, lock: { status: 'unlocked', installed_version: '0.61.0' } });
    expect(backend(report, 'codex')).toMatchObject({ required: false, status: 'fail', binary: null, lock: null });
    expect(report.warnings).toContain('not installed (not required): codex, kiro, kimi, kimi_code, opencode');
    expect(report.recorded).toEqual({ id: 1 });
  });

  it.skipIf(SOME_CLI_IN_BREW_DIRS)('fails (exit 1) when a required backend is not installed, lacks a flag or drifted from the lock', async () => {
    const m = machine(['claude', 'gemini']);
    const named = await doctor(m, ['--backend', 'kimi,gemini']);
    expect(named.code).toBe(1);
    expect(named.report.backends.map((b) => [b.backend, b.required, b.status])).toEqual([
      ['kimi', true, 'fail'],
      ['gemini', true, 'warn'],
    ]);
    expect(named.report.failures).toEqual([expect.stringMatching(/^kimi: kimi not found/)]);
    expect(named.report.warnings).toContain(`no lock file at ${m.lockFile}: CLI versions are not checked against one (mittelo lock write)`);

    expect((await m.run(['lock', 'write'])).code).toBe(0);
    m.setLockedVersion('claude_code', '2.2.0');
    m.wrap('gemini', { FAKE_CLI_HELP_DROP: '--approval-mode' });
    const drifted = await doctor(m, []);
    expect(drifted.code).toBe(1);
    expect(backend(drifted.report, 'claude_code')).toMatchObject({ status: 'fail', lock: { status: 'older', locked_version: '2.2.0' } });
    expect(backend(drifted.report, 'gemini')).toMatchObject({ status: 'fail', lock: { status: 'flag_missing', missing_flags: ['--approval-mode'] } });
    expect(drifted.report.failures.map((f) => f.split(':')[0])).toEqual(['claude_code', 'gemini']);

    const human = await m.run(['doctor', '--backend', 'claude_code', '--db', m.dbPath, '--port', String(await freePort())]);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('[FAIL] claude_code: required (named, lock)');
    expect(human.stdout).toContain('lock:    older: installed 2.1.197 is older than locked 2.2.0');
    expect(human.stdout).toContain('FAILED (1):');
  });

  it('--live sends one prompt through the driver: ok from a working CLI, the failure class from a logged-out one', async () => {
    const m = machine(['claude']);
    const ok = await doctor(m, ['--backend', 'claude_code', '--live']);
    expect(ok.code).toBe(0);
    expect(backend(ok.report, 'claude_code')?.live).toMatchObject({ sent: true, ok: true, failure: null, message: 'claude fake answer to: ping' });

    m.wrap('claude', { FAKE_CLI_MODE: 'auth' });
    const loggedOut = await doctor(m, ['--backend', 'claude_code', '--live', '--live-timeout', '10']);
    expect(loggedOut.code).toBe(1);
    expect(backend(loggedOut.report, 'claude_code')?.live).toMatchObject({ sent: true, ok: false, failure: 'auth_required', message: 'Not logged in · Please run /login' });
  });
});

describe('mittelo doctor --core', () => {
  it('reports a port held by another program as a failure, and one held by a mittelo hub as fine', async () => {
    const m = machine([]);
    const squatter = net.createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const result = await m.run(['doctor', '--core', '--json', '--db', m.dbPath, '--port', String(port)]);
      expect(result.code).toBe(1);
      expect(Date.now() - started).toBeLessThan(10_000); // a silent program does not keep doctor waiting
      const report = json<DoctorReport>(result);
      expect(report.backends).toEqual([]);
      expect(core(report, 'jsonl_port')).toMatchObject({ status: 'fail', details: { port, held_by: 'another program' } });
      expect(report.failures).toEqual([expect.stringContaining(`127.0.0.1:${port} is in use by another program`)]);
    } finally {
      squatter.close();
    }

    const hub = await startTestHub({ restPort: 0 });
    try {
      const restPort = Number(new URL(hub.restUrl ?? '').port);
      const result = await m.run(['doctor', '--core', '--json', '--db', m.dbPath, '--port', String(hub.port), '--rest-port', String(restPort)]);
      const report = json<DoctorReport>(result);
      expect(result.code, JSON.stringify(report.failures)).toBe(0);
      expect(core(report, 'jsonl_port')?.summary).toContain('in use by a mittelo hub');
      expect(core(report, 'rest_port')?.summary).toContain("in use by a mittelo hub's REST adapter");
    } finally {
      await hub.stop();
    }
  });

  it('reports a corrupt database, exits 1 and leaves the file byte for byte as it was', async () => {
    const m = machine([]);
    fs.mkdirSync(path.dirname(m.dbPath), { recursive: true });
    const garbage = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4096, 0xa5)]);
    fs.writeFileSync(m.dbPath, garbage);
    const { code, report } = await doctor(m, ['--core']);
    expect(code).toBe(1);
    expect(core(report, 'database')).toMatchObject({ status: 'fail' });
    expect(core(report, 'database')?.summary).toContain('left untouched');
    expect(report.recorded).toEqual({ error: 'the database is not usable (see the database check)' });
    expect(fs.readFileSync(m.dbPath).equals(garbage)).toBe(true);
    expect(fs.readdirSync(path.dirname(m.dbPath))).toEqual(['mittelo.db']);
  });

  it('keeps every run in the database: --history lists them newest first with CLI version changes', async () => {
    const m = machine(['claude']);
    expect((await doctor(m, ['--backend', 'claude_code'])).report.recorded).toEqual({ id: 1 });
    expect((await doctor(m, ['--core'])).report.recorded).toEqual({ id: 2 });
    m.wrap('claude', {}, '2.1.205 (Claude Code)');
    expect((await doctor(m, ['--backend', 'claude_code'])).report.recorded).toEqual({ id: 3 });

    const result = await m.run(['doctor', '--history', '--json', '--db', m.dbPath]);
    expect(result.code).toBe(0);
    const { runs } = json<{ runs: DoctorHistoryRow[] }>(result);
    expect(runs.map((r) => [r.id, r.ok, r.versions])).toEqual([
      [3, true, { claude_code: '2.1.205' }],
      [2, true, {}],
      [1, true, { claude_code: '2.1.197' }],
    ]);
    expect(runs[0]?.changes).toEqual([{ cli: 'claude_code', from: '2.1.197', to: '2.1.205' }]);
    expect(runs[2]?.changes).toEqual([]);

    const limited = await m.run(['doctor', '--history', '--limit', '1', '--db', m.dbPath]);
    expect(limited.stdout.trim().split('\n')).toHaveLength(1);
    expect(limited.stdout).toMatch(/^#3 .* OK {4}claude_code 2\.1\.205 \(was 2\.1\.197\)$/m);
  });
});
