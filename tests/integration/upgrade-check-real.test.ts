/**
 * `mittelo lock upgrade-check` against two real published versions of Claude Code, installed into
 * the CLI cache like the other real CLIs (MITTELO_CLI_CACHE): between the locked 2.1.197 and
 * 2.1.332 `--permission-mode` replaced `default` with `manual`, which the driver does not pass.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UpgradeReport } from '../../core/lock/upgrade-check.js';
import { runCli, tempDir } from '../helpers.js';

const SKIP = (process.env.MITTELO_SKIP_REAL_CLIS ?? '') !== '';
const LOCKED = '2.1.197';
const CANDIDATE = '2.1.332';

describe.skipIf(SKIP)('lock upgrade-check with real published versions', () => {
  it(`claude_code ${LOCKED} -> ${CANDIDATE}: the help diff names the changed --permission-mode values, and the driver still works`, async () => {
    const workspace = tempDir('mittelo-upgrade-');
    const lock = JSON.parse(fs.readFileSync(path.join(process.cwd(), 'mittelo.lock.json'), 'utf8')) as { clis: { name: string; version: string }[] };
    lock.clis = lock.clis.filter((c) => c.name === 'claude_code');
    expect(lock.clis[0]?.version).toBe(LOCKED);
    fs.writeFileSync(path.join(workspace, 'mittelo.lock.json'), JSON.stringify(lock));

    const result = await runCli(['lock', 'upgrade-check', 'claude_code', '--to', CANDIDATE, '--json', '--workspace', workspace]);
    expect(result.code, result.stderr).toBe(0);
    const [report] = (JSON.parse(result.stdout) as { reports: UpgradeReport[] }).reports;
    expect(report).toMatchObject({ cli: 'claude_code', from: LOCKED, to: CANDIDATE, verdict: 'review', contract: { version_reported: CANDIDATE, missing_flags: [], removed_values: [] } });
    expect(report?.help_diff?.choices_changed).toContainEqual({ flag: '--permission-mode', added: ['manual'], removed: ['default'] });
    expect(report?.engine).toMatchObject({ package: '@anthropic-ai/claude-code', package_version: CANDIDATE, requires: '>=22.0.0', runs_as: 'native', ok: true });

    const human = await runCli(['lock', 'upgrade-check', 'claude_code', '--to', CANDIDATE, '--workspace', workspace]);
    expect(human.stdout).toContain(`claude_code ${LOCKED} -> ${CANDIDATE} (@anthropic-ai/claude-code): works with the driver; review the changes`);
    expect(human.stdout).toContain('--permission-mode: +manual -default');
  }, 600_000);

  it('a version npm does not know is a clear error, exit 1 with the reason', async () => {
    const workspace = tempDir('mittelo-upgrade-');
    fs.copyFileSync(path.join(process.cwd(), 'mittelo.lock.json'), path.join(workspace, 'mittelo.lock.json'));
    const result = await runCli(['lock', 'upgrade-check', 'codex', '--to', '0.0.0-nope', '--workspace', workspace]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/codex 0\.169\.0 -> 0\.0\.0-nope \(@openai\/codex\): BREAKS\n {2}- could not rehearse: npm knows no version 0\.0\.0-nope of @openai\/codex/);
  }, 120_000);
});
