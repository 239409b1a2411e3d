/**
 * `mittelo lock upgrade-check --candidate-path` with a pack, as a real child process on a made-up
 * machine (no npm): the locked fake Claude Code ran the pack as the baseline; one candidate binary
 * answers as well (safe), another answers wrongly (the pack regresses, so the upgrade breaks).
 * Needs `npm run build` first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpgradeReport } from '../../core/lock/upgrade-check.js';
import { cliPath, runCli, type CliResult } from '../helpers.js';
import { FakeMachine, fakeClaudeCandidate, freePort, json } from '../lock-helpers.js';

const m = new FakeMachine(['claude']);
let env: NodeJS.ProcessEnv;
let baselineRun = '';

const PACK = [
  { id: 'greet', prompt: 'say hello', expect: { contains: 'hello' } },
  { id: 'count', prompt: 'count to three', expect: { contains: 'three' } },
];

function candidate(name: string, version: string, vars: Record<string, string> = {}): string {
  return fakeClaudeCandidate(path.join(m.root, 'candidates', name), version, vars);
}

function run(args: string[]): Promise<CliResult> {
  return runCli(args, env, m.workspace);
}

beforeAll(async () => {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` before the CLI tests`);
  // No hub answers on this port: runs and baselines use the workspace database directly.
  env = { ...m.env, MITTELO_PORT: String(await freePort()), MITTELO_DB: m.dbPath };
  expect((await run(['lock', 'write', '--backend', 'claude_code'])).code).toBe(0);
  fs.writeFileSync(path.join(m.workspace, 'greetings.jsonl'), PACK.map((e) => JSON.stringify(e)).join('\n'));
  const baseline = await run(['run', '--pack', 'greetings.jsonl', '--backend', 'claude_code', '--json']);
  expect(baseline.code, baseline.stderr).toBe(0);
  baselineRun = json<{ run: { run_id: string } }>(baseline).run.run_id;
  const marked = await run(['runs', 'baseline', baselineRun]);
  expect(marked.code, marked.stderr).toBe(0);
}, 120_000);
afterAll(() => m.remove());

function reportOf(result: CliResult): UpgradeReport {
  const [report] = json<{ reports: UpgradeReport[] }>(result).reports;
  if (!report) throw new Error(`no report in ${result.stdout}`);
  return report;
}

describe('upgrade-check runs the baseline pack with the candidate binary', () => {
  it('a candidate that answers like the locked version is safe, compared with the baseline run', async () => {
    const good = candidate('good', '2.1.332');
    const result = await run(['lock', 'upgrade-check', 'claude_code', '--candidate-path', good, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = reportOf(result);
    expect(report).toMatchObject({ cli: 'claude_code', from: '2.1.197', to: '2.1.332', verdict: 'safe', reasons: [], candidate_bin: good });
    expect(report.install_command).toBe('npm install -g @anthropic-ai/claude-code@2.1.332');
    expect(report.pack).toMatchObject({ pack_name: 'greetings', baseline_run: baselineRun, verdict: 'pass', tasks: 2, failed: 0, new_failures: 0 });
    expect(report.pack?.pack_path).toBe(path.join(m.workspace, 'greetings.jsonl'));
    // The candidate's run is kept apart from the user's runs.
    expect(report.pack?.db).toBe(path.join(m.workspace, '.mittelo', 'upgrade-check.db'));
    const shown = await run(['runs', 'show', report.pack?.candidate_run ?? '-', '--db', report.pack?.db ?? '-', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('upgrade-check claude_code 2.1.332');
    const mine = await run(['runs', 'list', '--json']);
    expect(mine.stdout).not.toContain(report.pack?.candidate_run ?? '-');
  }, 120_000);

  it('a candidate whose answers fail the checks regresses the pack: the upgrade breaks, naming each prompt', async () => {
    const bad = candidate('bad', '2.1.400', { FAKE_CLI_ANSWER: 'goodbye' });
    const result = await run(['lock', 'upgrade-check', 'claude_code', '--candidate-path', bad]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('claude_code 2.1.197 -> 2.1.400');
    expect(result.stdout).toContain('REGRESSED against the baseline');
    // The compare gate's words for each regressed prompt (A: the baseline, B: the candidate's run).
    expect(result.stdout).toContain('pack greetings: greet on claude_code: passed 1/1 (100%) in A, 0/1 (0%) in B');
    expect(result.stdout).toContain('check contains "three" passed 1/1 in A, 0/1 in B');
    expect(result.stdout).toContain(`A: baseline ${baselineRun}, B: candidate run`);
    expect(result.stdout).toContain('not safe: claude_code');

    const asJson = reportOf(await run(['lock', 'upgrade-check', 'claude_code', '--candidate-path', bad, '--json']));
    expect(asJson.verdict).toBe('breaks');
    expect(asJson.pack).toMatchObject({ verdict: 'regressed', tasks: 2, failed: 2, new_failures: 2, fixed: 0, baseline_run: baselineRun });
    expect(asJson.reasons).toHaveLength(2);
  }, 120_000);

  it('a pack with no baseline runs and is left for review; --no-pack runs none', async () => {
    fs.writeFileSync(path.join(m.workspace, 'other.jsonl'), JSON.stringify({ id: 'x', prompt: 'say hello', expect: { contains: 'hello' } }));
    const good = candidate('good', '2.1.332');
    const review = reportOf(await run(['lock', 'upgrade-check', 'claude_code', '--candidate-path', good, '--pack', 'other.jsonl', '--json']));
    expect(review.verdict).toBe('review');
    expect(review.pack).toMatchObject({ pack_name: 'other', verdict: 'no_baseline', baseline_run: null, tasks: 1, failed: 0 });
    expect(review.reasons[0]).toContain('pack other: pack other has no baseline run');

    const none = await run(['lock', 'upgrade-check', 'claude_code', '--candidate-path', good, '--no-pack', '--json']);
    expect(none.code, none.stderr).toBe(0);
    expect(reportOf(none)).toMatchObject({ verdict: 'safe', pack: null });
  }, 120_000);

  it('on a workspace with no run yet (no hub, no database): the default runs nothing, a --pack runs without a baseline', async () => {
    const fresh = new FakeMachine(['claude']);
    try {
      const freshEnv = { ...fresh.env, MITTELO_PORT: env.MITTELO_PORT, MITTELO_DB: fresh.dbPath };
      expect((await runCli(['lock', 'write', '--backend', 'claude_code'], freshEnv, fresh.workspace)).code).toBe(0);
      const good = candidate('good', '2.1.332');
      const byDefault = reportOf(await runCli(['lock', 'upgrade-check', 'claude_code', '--candidate-path', good, '--json'], freshEnv, fresh.workspace));
      expect(byDefault).toMatchObject({ verdict: 'review', pack: { verdict: 'no_baseline', candidate_run: null } });
      expect(byDefault.reasons[0]).toContain('no baseline run of claude_code in this workspace');
      fs.writeFileSync(path.join(fresh.workspace, 'one.jsonl'), JSON.stringify({ prompt: 'say hello', expect: { contains: 'hello' } }));
      const withPack = reportOf(await runCli(['lock', 'upgrade-check', 'claude_code', '--candidate-path', good, '--pack', 'one.jsonl', '--json'], freshEnv, fresh.workspace));
      expect(withPack.pack).toMatchObject({ verdict: 'no_baseline', tasks: 1, failed: 0 });
      // Reading the history made no database.
      expect(fs.existsSync(fresh.dbPath)).toBe(false);
    } finally {
      fresh.remove();
    }
  }, 120_000);

  it('the rehearsal database keeps only the newest MITTELO_KEEP_REHEARSALS runs', async () => {
    const good = candidate('good', '2.1.332');
    const rehearse = () => runCli(['lock', 'upgrade-check', 'claude_code', '--candidate-path', good, '--json'], { ...env, MITTELO_KEEP_REHEARSALS: '1' }, m.workspace);
    const first = reportOf(await rehearse());
    const second = reportOf(await rehearse());
    expect(second.pack?.candidate_run).not.toBe(first.pack?.candidate_run);
    const listed = await run(['runs', 'list', '--db', second.pack?.db ?? '-', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const runIds = json<{ run: { run_id: string } }[]>(listed).map((r) => r.run.run_id);
    expect(runIds).toEqual([second.pack?.candidate_run]);
    const refused = await runCli(['lock', 'upgrade-check', 'claude_code', '--candidate-path', good], { ...env, MITTELO_KEEP_REHEARSALS: '0' }, m.workspace);
    expect(refused.stderr + refused.stdout).toContain('MITTELO_KEEP_REHEARSALS must be a whole number >= 1; got "0"');
  }, 120_000);

  it('refuses --candidate-path without exactly one CLI, and a path that is not an executable', async () => {
    const many = await run(['lock', 'upgrade-check', '--candidate-path', candidate('good', '2.1.332')]);
    expect(many.code).toBe(2);
    expect(many.stderr).toContain('--candidate-path rehearses one CLI');
    const missing = reportOf(await run(['lock', 'upgrade-check', 'claude_code', '--candidate-path', path.join(m.root, 'nope'), '--json']));
    expect(missing.verdict).toBe('breaks');
    expect(missing.reasons[0]).toContain('is not an executable file');
  }, 120_000);
});
