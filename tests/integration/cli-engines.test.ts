/**
 * An npm CLI declares the Node it needs (`engines.node`; Kimi Code 2.1: >=22.19). On an older Node
 * it crashes before printing its version or help, which used to read as "the old kimi", "flags
 * missing" and a reinstall hint. Here a Kimi Code installed the npm way (node_modules, a bin
 * symlink, `#!/usr/bin/env node`) declares a Node newer than this one, or one this Node meets.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBackend } from '../../core/agent/backend-check.js';
import { checkLock } from '../../core/lock/check.js';
import { FakeMachine, json } from '../lock-helpers.js';
import { repoRoot } from '../helpers.js';
import type { DoctorReport } from '../../core/doctor/types.js';

const KIMI_CODE_FAKE = path.join(repoRoot, 'tests', 'fixtures', 'kimi-code', 'kimi');
const major = Number(process.versions.node.split('.')[0]);
const TOO_NEW = `>=${major + 2}.19.0`;
const MET = `>=${major}.0.0`;
const machines: FakeMachine[] = [];
afterAll(() => machines.forEach((m) => m.remove()));

/** `npm install -g @moonshot-ai/kimi-code` into the machine's npm prefix, declaring `engines`. */
function machineWithKimiCode(engines: string): FakeMachine {
  const m = new FakeMachine([]);
  machines.push(m);
  const pkg = path.join(m.root, 'npm', 'lib', 'node_modules', '@moonshot-ai', 'kimi-code');
  fs.mkdirSync(path.join(pkg, 'dist'), { recursive: true });
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@moonshot-ai/kimi-code', version: '2.1.0', bin: { kimi: 'dist/cli.mjs' }, engines: { node: engines } }));
  // What the real 2.1.0 does on a Node without zstd in node:zlib; else it is the usual fake.
  const script = [
    '#!/usr/bin/env node',
    "import { spawnSync } from 'node:child_process';",
    `const needs = ${JSON.stringify(engines)};`,
    `const [maj] = process.versions.node.split('.').map(Number);`,
    `if (maj < Number(needs.replace(/[^0-9.]/g, '').split('.')[0])) {`,
    "  process.stderr.write(\"SyntaxError: The requested module 'node:zlib' does not provide an export named 'createZstdDecompress'\\n\");",
    '  process.exit(1);',
    '}',
    `const ran = spawnSync(process.execPath, [${JSON.stringify(KIMI_CODE_FAKE)}, ...process.argv.slice(2)], { stdio: 'inherit' });`,
    'process.exit(ran.status ?? 1);',
  ].join('\n');
  fs.writeFileSync(path.join(pkg, 'dist', 'cli.mjs'), script, { mode: 0o755 });
  fs.symlinkSync(path.join(pkg, 'dist', 'cli.mjs'), path.join(m.bin, 'kimi'));
  return m;
}

describe('a CLI whose engines.node this Node does not meet', () => {
  it('backend-check says so, knows it is Kimi Code from its package, and checks no flags', async () => {
    const m = machineWithKimiCode(TOO_NEW);
    const report = await checkBackend({ name: 'kimi' }, m.env);
    expect(report).toMatchObject({ driver: 'kimi_code', version: '2.1.0', status: 'fail', flags: null });
    expect(report.engine).toMatchObject({ package: '@moonshot-ai/kimi-code', package_version: '2.1.0', requires: TOO_NEW, node: process.version, ok: false });
    expect(report.problems).toEqual([
      `kimi 2.1.0 (@moonshot-ai/kimi-code) needs Node ${TOO_NEW} (its package.json engines) but would run on Node ${process.version} (${report.engine?.node_path}): ` +
        `install a Node that satisfies ${TOO_NEW} first on PATH, then check again; reinstalling the CLI does not help`,
    ]);
  });

  it('the lock reports node_too_old with a Node fix, not a reinstall of the same version', async () => {
    const m = machineWithKimiCode(TOO_NEW);
    fs.writeFileSync(m.lockFile, JSON.stringify({ lock_version: 1, written_at: new Date().toISOString(), host: 'test', clis: [{ name: 'kimi_code', binary: 'kimi', version: '2.1.0', flags: ['--prompt', '--output-format', '--model'], source: { type: 'npm', package: '@moonshot-ai/kimi-code' } }] }));
    const report = await checkLock({ workspace: m.workspace, config: { backends: {} }, env: m.env });
    expect(report?.entries.find((e) => e.cli === 'kimi_code')).toMatchObject({
      status: 'node_too_old',
      installed_version: '2.1.0',
      fix: `install a Node that satisfies ${TOO_NEW} and put it first on PATH`,
    });
  });

  it('doctor shows the declared engine next to the Node found', async () => {
    const m = machineWithKimiCode(TOO_NEW);
    const human = await m.run(['doctor', '--backend', 'kimi_code', '--db', path.join(m.root, 'doctor.db')]);
    expect(human.stdout).toMatch(new RegExp(`node: +${process.version.replace(/\./g, '\\.')} \\(.+\\); @moonshot-ai/kimi-code 2\\.1\\.0 declares node ${TOO_NEW.replace(/\./g, '\\.')}: NOT MET`));
    expect(human.stdout).not.toContain('flag_missing');
  });
});

describe('a CLI whose engines.node this Node meets', () => {
  it('is checked as usual: version from --version, flags from --help, the engine shown as met', async () => {
    const m = machineWithKimiCode(MET);
    const report = await checkBackend({ name: 'kimi' }, m.env);
    expect(report).toMatchObject({ driver: 'kimi_code', version: '2.1.0', problems: [] });
    expect(report.flags?.missing).toEqual([]);
    expect(report.engine).toMatchObject({ requires: MET, node: process.version, ok: true });
    const doctor = json<DoctorReport>(await m.run(['doctor', '--json', '--backend', 'kimi_code', '--db', path.join(m.root, 'doctor.db')]));
    expect(doctor.backends[0]?.engine).toMatchObject({ package: '@moonshot-ai/kimi-code', requires: MET, ok: true });
  });
});
