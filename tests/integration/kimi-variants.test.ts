/**
 * `kimi` is two CLIs: the legacy Python kimi-cli (`kimi --print`, prompt on stdin) and Kimi Code
 * (npm @moonshot-ai/kimi-code 2.x: `kimi -p <prompt>`). Preflight tells them apart by `kimi
 * --version` and serves the backend with the driver of the CLI that is installed; the lock records
 * each under its own name. Against both fakes (tests/fixtures/bin/kimi, tests/fixtures/kimi-code/kimi).
 */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkBackend } from '../../core/agent/backend-check.js';
import { preflight } from '../../core/agent/backend.js';
import { executeTask } from '../../core/agent/execute.js';
import { servedBackend } from '../../core/agent/served.js';
import { recordLock } from '../../core/lock/record.js';
import { leasedTask } from '../agent-helpers.js';
import { repoRoot } from '../helpers.js';

const PYTHON_KIMI = path.join(repoRoot, 'tests', 'fixtures', 'bin', 'kimi');
const KIMI_CODE = path.join(repoRoot, 'tests', 'fixtures', 'kimi-code', 'kimi');

describe('the kimi backend serves whichever kimi is installed', () => {
  it('a kimi that is Kimi Code is served with the kimi_code driver: its version, flags and credentials', async () => {
    const report = await checkBackend({ name: 'kimi', binaryPath: KIMI_CODE });
    expect(report).toMatchObject({ backend: 'kimi', driver: 'kimi_code', version: '2.1.0', required_flags: ['--prompt', '--output-format', '--model'], verified_version: '2.1.0' });
    expect(report.flags?.missing).toEqual([]);
    expect(report.problems).toEqual([]);
    expect(report.auth.hint).toContain('KIMI_API_KEY');
    expect(report.auth.hint).toContain('~/.kimi-code/config.toml');
  });

  it('the Python kimi stays with the kimi driver, and kimi_code pointed at it is served as kimi', async () => {
    expect(await preflight({ name: 'kimi', binaryPath: PYTHON_KIMI })).toMatchObject({ driver: 'kimi', version: '1.13.0', required_flags: ['--print', '--output-format', '--model'] });
    expect(await preflight({ name: 'kimi_code', binaryPath: PYTHON_KIMI })).toMatchObject({ driver: 'kimi', version: '1.13.0' });
    expect(await preflight({ name: 'kimi_code', binaryPath: KIMI_CODE })).toMatchObject({ driver: 'kimi_code', version: '2.1.0' });
  });

  it('a task on backend kimi runs Kimi Code with the prompt as one argument, and answers', async () => {
    const spec = { name: 'kimi', binaryPath: KIMI_CODE };
    const backend = servedBackend(spec, await preflight(spec));
    expect(backend.driver.name).toBe('kimi_code');
    const ack = await executeTask(backend, leasedTask('Name the capital of France', 'kimi'), { workerId: 'w', signal: new AbortController().signal, run: { env: { FAKE_CLI_MODE: 'success' } } });
    expect(ack).toMatchObject({ status: 'done', result: 'kimi fake answer to: Name the capital of France' });
    expect(ack.artifact).toMatchObject({ backend: 'kimi', driver: 'kimi_code', cli_version: '2.1.0' });
    expect(ack.artifact.argv?.slice(1)).toEqual(['--prompt', 'Name the capital of France', '--output-format', 'stream-json']);
    expect(ack.artifact.session_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a prompt too long for one argument fails with a clear reason instead of reaching the CLI', async () => {
    const spec = { name: 'kimi_code', binaryPath: KIMI_CODE };
    const backend = servedBackend(spec, await preflight(spec));
    const ack = await executeTask(backend, leasedTask('x'.repeat(200 * 1024), 'kimi_code'), { workerId: 'w', signal: new AbortController().signal });
    expect(ack.status).toBe('failed');
    expect(ack.error).toMatch(/^crashed: kimi could not be started: its arguments are longer than the OS allows/);
  });

  it('lock write records Kimi Code as kimi_code and says why kimi is left out', async () => {
    const config = { backends: { kimi: { binary_path: KIMI_CODE }, kimi_code: { binary_path: KIMI_CODE } } };
    const { lock, left_out: leftOut } = await recordLock({ workspace: os.tmpdir(), backends: ['kimi', 'kimi_code'], config });
    expect(lock.clis.map((entry) => [entry.name, entry.version, entry.flags])).toEqual([['kimi_code', '2.1.0', ['--prompt', '--output-format', '--model']]]);
    expect(leftOut).toEqual([{ cli: 'kimi', reason: `the installed kimi (${KIMI_CODE}) is the kimi_code CLI: it is locked as kimi_code` }]);
  });
});
