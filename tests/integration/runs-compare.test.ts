/**
 * Comparing real runs: a folder backend answers from files the test changes between runs, so every
 * comparison category is known in advance; then the baseline gate of `mittelo run --against-baseline`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import type { RunInfo } from '../../core/runs/types.js';
import { startTestHub } from '../helpers.js';
import { FILE_ANSWERS, setAnswers, stopTestHub, Workspace } from '../runs-helpers.js';
import { seededRandom } from '../../scripts/lib/random.js';
import type { Comparison } from '../../core/compare/types.js';

let hub: RunningHub & { dbPath: string };
let ws: Workspace;

beforeAll(async () => {
  hub = await startTestHub();
  ws = new Workspace(hub.port);
  ws.backend('filed', FILE_ANSWERS);
});

afterAll(async () => {
  await stopTestHub(hub);
  ws.remove();
});

const byPrompt = (c: { pairs: { prompt_id: string; category: string }[] }) => Object.fromEntries(c.pairs.map((p) => [p.prompt_id, p.category]));

describe('mittelo compare', () => {
  let runA = '';
  let runB = '';

  beforeAll(async () => {
    const entries = [
      { id: 'same', prompt: 'same' },
      { id: 'edit', prompt: 'edit' },
      { id: 'breaks', prompt: 'breaks' },
      { id: 'heals', prompt: 'heals' },
      { id: 'check', prompt: 'check', expect: { contains: 'yes' } },
      { id: 'broken', prompt: 'broken' },
    ];
    setAnswers(ws, 'filed', { same: 'steady answer', edit: 'line one\nold words\nline three', breaks: 'fine', heals: null, check: 'yes', broken: null, gone: 'bye' });
    ws.pack('cmp', [...entries, { id: 'gone', prompt: 'gone' }]);
    const a = await ws.run(['--pack', 'cmp.jsonl', '--backend', 'filed']);
    expect(a.code, a.stderr).toBe(1); // heals and broken fail
    runA = a.runId;

    // The pack moved on (gone dropped, extra added) and the answers changed.
    setAnswers(ws, 'filed', { edit: 'line one\nnew words <script>alert("pwned")</script>\nline three', breaks: null, heals: 'better', check: 'no', extra: 'hi' });
    ws.pack('cmp', [...entries, { id: 'extra', prompt: 'extra' }]);
    const b = await ws.run(['--pack', 'cmp.jsonl', '--backend', 'filed']);
    expect(b.code, b.stderr).toBe(1);
    runB = b.runId;
  });

  it('A → B gives exactly the expected category per prompt and exits 1 for the new failures', async () => {
    const c = await ws.compare(runA, runB, [], 1);
    expect(byPrompt(c)).toEqual({
      same: 'unchanged',
      edit: 'changed',
      breaks: 'new_failure',
      heals: 'fixed',
      check: 'new_failure',
      broken: 'still_failing',
      gone: 'only_in_a',
      extra: 'only_in_b',
    });
    expect(c.summary.counts).toEqual({ unchanged: 1, changed: 1, new_failure: 2, fixed: 1, still_failing: 1, only_in_a: 1, only_in_b: 1 });
    expect(c.summary.regressions).toBe(true);
    const check = c.pairs.find((p) => p.prompt_id === 'check');
    expect(check?.check_regressions.map((r) => r.check)).toEqual(['contains "yes"']);
    const breaks = c.pairs.find((p) => p.prompt_id === 'breaks');
    expect(breaks?.b).toMatchObject({ status: 'failed', ok: false });
    expect(breaks?.b?.error).toContain('no answer for breaks');
    const edit = c.pairs.find((p) => p.prompt_id === 'edit');
    expect(edit?.diff).toMatchObject({ removed: 1, added: 1 });

    const text = await ws.cli(['compare', runA, runB]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('GATE FAILED: 2 reasons\n  ✗ check on filed: passed 1/1 (100%) in A, 0/1 (0%) in B; one try a side, so any failure counts (repeat the run to judge noise); check contains "yes" passed 1/1 in A, 0/1 in B (expected the answer to contain "yes")\n  ✗ breaks on filed: passed 1/1 (100%) in A, 0/1 (0%) in B');
    expect(text.stdout).toContain('  ! 1 prompt(s) of A did not run in B on filed: gone');
    expect(c.gate.failures.map((f) => f.kind)).toEqual(['regressed', 'regressed']);
  });

  it('a rerun with nothing new failing exits 0', async () => {
    const again = await ws.run(['--pack', 'cmp.jsonl', '--backend', 'filed']);
    const c = await ws.compare(runB, again.runId, [], 0);
    expect(c.summary.counts).toEqual({ unchanged: 4, changed: 0, new_failure: 0, fixed: 0, still_failing: 3, only_in_a: 0, only_in_b: 0 });
    expect(c.summary.regressions).toBe(false);
  });

  it('runs on different backends share no pair, and the dropped backend and the new failing rows fail the gate (issue 16)', async () => {
    ws.backend('other', 'cat');
    const c = await ws.run(['--pack', 'cmp.jsonl', '--backend', 'other']);
    expect(c.code, c.stderr).toBe(1); // "check" wants "yes"; cat answers "check"
    const compared = await ws.compare(runB, c.runId, [], 1);
    expect(compared.summary.counts).toMatchObject({ only_in_a: 7, only_in_b: 7, unchanged: 0, changed: 0, new_failure: 0 });
    expect(compared.gate.failures.map((f) => f.text)).toEqual(['backend filed ran 7 task(s) in A and none in B', 'check on other is not in A and fails in B (passed 0/1)']);
  });

  it('a backend added in B whose tasks fail fails the gate; a run of another pack does too (issue 16)', async () => {
    ws.backend('broken', 'echo "spawn claude ENOENT" >&2; exit 3');
    ws.pack('mini', [{ id: 'same', prompt: 'same' }]);
    setAnswers(ws, 'filed', { same: 'steady answer' });
    const one = await ws.run(['--pack', 'mini.jsonl', '--backend', 'filed']);
    expect(one.code, one.stderr).toBe(0);
    const two = await ws.run(['--pack', 'mini.jsonl', '--backend', 'filed', '--backend', 'broken']);
    const text = await ws.cli(['compare', one.runId, two.runId]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('GATE FAILED: 1 reason\n  ✗ same on broken is not in A and fails in B (passed 0/1)');
    const other = await ws.cli(['compare', runA, one.runId]);
    expect(other.code).toBe(1);
    expect(other.stdout).toContain('✗ A ran pack "cmp" and B pack "mini": their prompts are not like for like');
  });

  it('--html writes a report with the diff, and an answer\'s <script> escaped', async () => {
    const file = path.join(ws.dir, 'report.html');
    const result = await ws.cli(['compare', runA, runB, '--html', file]);
    expect(result.code).toBe(1);
    const html = fs.readFileSync(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    // The changed line side by side: A's removed, B's added, B's markup as text.
    expect(html).toContain('<td class="code del">old words</td><td class="ln">2</td><td class="code ins">new words &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;</td>');
    expect(html).not.toContain('<script>alert');
    expect(result.stderr).toContain(`HTML report written to ${file}`);
  });
});

describe('baselines and the CI gate', () => {
  const pack = () => ws.pack('gate', ['g1', 'g2', 'g3'].map((p) => ({ id: p, prompt: p, expect: { contains: 'good' } })));

  it('run --against-baseline exits non-zero on a regression and 0 when there is none', async () => {
    pack();
    // No baseline yet: the run is judged on its own failures (none) and says there is no baseline.
    setAnswers(ws, 'filed', { g1: 'good 1', g2: 'good 2', g3: 'good 3' });
    const first = await ws.run(['--pack', 'gate.jsonl', '--backend', 'filed', '--against-baseline']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.out.regressions).toBe(false);
    const marked = await ws.json<{ pack_name: string }>(['runs', 'baseline', first.runId]);
    expect(marked.pack_name).toBe('gate');
    const listed = await ws.json<{ run: RunInfo }[]>(['runs', 'list', '--pack', 'gate']);
    expect(listed.map((r) => [r.run.run_id, r.run.baseline])).toEqual([[first.runId, true]]);

    // g2 stops answering well: a check regression against the baseline.
    setAnswers(ws, 'filed', { g2: 'bad 2' });
    const worse = await ws.run(['--pack', 'gate.jsonl', '--backend', 'filed', '--against-baseline']);
    expect(worse.code, worse.stderr).toBe(1);
    expect(worse.out.regressions).toBe(true);
    const text = await ws.cli(['run', '--no-embedded', '--pack', 'gate.jsonl', '--backend', 'filed', '--against-baseline']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('GATE FAILED: 1 reason\n  ✗ g2 on filed: passed 1/1 (100%) in A, 0/1 (0%) in B');
    expect(text.stdout).toContain(first.runId);

    setAnswers(ws, 'filed', { g2: 'good again' });
    const fine = await ws.run(['--pack', 'gate.jsonl', '--backend', 'filed', '--against-baseline']);
    expect(fine.code, fine.stderr).toBe(0);
    expect(fine.out.regressions).toBe(false);
  });

  it('the gate is about change since the baseline: a failure the baseline has is no regression, a new failing prompt is', async () => {
    pack();
    setAnswers(ws, 'filed', { g1: 'good 1', g2: 'good 2', g3: 'known bad' });
    const base = await ws.run(['--pack', 'gate.jsonl', '--backend', 'filed']);
    expect(base.code).toBe(1);
    await ws.json(['runs', 'baseline', base.runId]);

    const same = await ws.run(['--pack', 'gate.jsonl', '--backend', 'filed', '--against-baseline']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.out.regressions).toBe(false);
    expect(same.stderr).toContain('1 task(s) failed or failed their checks');

    ws.pack('gate', ['g1', 'g2', 'g3', 'g4'].map((p) => ({ id: p, prompt: p, expect: { contains: 'good' } })));
    const grown = await ws.run(['--pack', 'gate.jsonl', '--backend', 'filed', '--against-baseline']);
    expect(grown.code, grown.stderr).toBe(1); // g4 has no answer file and no baseline to excuse it
    expect(grown.out.regressions).toBe(true);
  });
});

/**
 * A seeded fake backend: try n answers "ok <prompt>" when line n of its `outcomes` file is 1, else
 * "nope"; the test draws the lines with a known pass probability. One task at a time (--concurrency 1)
 * keeps the counter exact.
 */
const SEEDED = [
  'prompt=$(cat)',
  'n=$(cat "$MITTELO_BACKEND_DIR/counter" 2>/dev/null || echo 0)',
  'echo $((n + 1)) > "$MITTELO_BACKEND_DIR/counter"',
  'if [ "$(sed -n "$((n + 1))p" "$MITTELO_BACKEND_DIR/outcomes")" = 1 ]; then echo "ok $prompt"; else echo nope; fi',
].join('\n');

function drawOutcomes(probability: number, tries: number, seed: number): void {
  const random = seededRandom(seed);
  const lines = Array.from({ length: tries }, () => (random() < probability ? '1' : '0'));
  const dir = path.join(ws.backendsDir, 'seeded');
  fs.writeFileSync(path.join(dir, 'outcomes'), `${lines.join('\n')}\n`);
  fs.rmSync(path.join(dir, 'counter'), { force: true });
}

describe('repeats: verdicts that tell a regression from noise (seeded fake backend)', () => {
  const header = { pack: { repeat: 10, gate: { min_repeats: 10 } } };
  let runA = '';

  beforeAll(async () => {
    ws.backend('seeded', SEEDED);
    ws.pack('rep', [header, ...['p1', 'p2', 'p3'].map((id) => ({ id, prompt: id, expect: { contains: 'ok' } }))]);
    drawOutcomes(0.95, 30, 1);
    // No --repeat: the pack header's repeat 10 applies.
    const a = await ws.run(['--pack', 'rep.jsonl', '--backend', 'seeded', '--concurrency', '1']);
    expect(a.out.rollups[0]?.total, a.stderr).toBe(30);
    runA = a.runId;
  });

  it('95% vs 94% over 10 repeats is not a regression: the gate passes, exit 0', async () => {
    drawOutcomes(0.94, 30, 2);
    const b = await ws.run(['--pack', 'rep.jsonl', '--backend', 'seeded', '--concurrency', '1']);
    const c = await ws.compare(runA, b.runId, [], 0);
    expect(c.gate).toMatchObject({ pass: true, failures: [], policy: { min_repeats: 10, alpha: 0.05 } });
    expect(c.gate.policy_source).toBe('defaults, then pack header of rep');
    expect(c.summary.verdicts.regressed).toBe(0);
    expect(c.rows.every((row) => row.a?.n === 10 && row.b?.n === 10)).toBe(true);
  });

  it('95% vs 40% over 10 repeats is: the gate fails, exit 1, and says why with counts and p-values', async () => {
    drawOutcomes(0.4, 30, 3);
    const b = await ws.run(['--pack', 'rep.jsonl', '--backend', 'seeded', '--concurrency', '1']);
    const c: Comparison = await ws.compare(runA, b.runId, [], 1);
    expect(c.summary.verdicts.regressed).toBeGreaterThanOrEqual(2);
    const text = await ws.cli(['compare', runA, b.runId]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/GATE FAILED: \d reasons?\n {2}✗ p\d on seeded: passed \d+\/10 \(\d+%\) in A, \d\/10 \(\d+%\) in B; drop significant: p (=|<) 0\.\d+ ≤ alpha 0\.05/);
    expect(text.stdout).toContain('policy: alpha 0.05 · max pass-rate drop 0% · min repeats 10 · flaky prompts warn (defaults, then pack header of rep)');
    // The summary comes first, then the prompts ranked.
    expect(text.stdout.indexOf('prompts × backends:')).toBeLessThan(text.stdout.indexOf('Prompts, most urgent first'));
    expect(text.stdout).toMatch(/REGRESSED · seeded · p\d · A \d+\/10/);
    // A looser policy on the command line tolerates the drop.
    const loose = await ws.compare(runA, b.runId, ['--max-pass-rate-drop', '0.9'], 0);
    expect(loose.gate.policy_source).toBe('defaults, then pack header of rep, then command line');
  });

  it('fewer repeats than the pack asks fails the gate and says how to fix it; bad gate options are refused', async () => {
    drawOutcomes(1, 6, 4);
    const b = await ws.run(['--pack', 'rep.jsonl', '--backend', 'seeded', '--concurrency', '1', '--repeat', '2']);
    expect(b.out.rollups[0]?.total).toBe(6);
    const text = await ws.cli(['compare', runA, b.runId]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('the policy asks for at least 10 tries per prompt and side; 3 row(s) have fewer (as few as 2): run with --repeat 10');
    const bad = await ws.cli(['compare', runA, b.runId, '--alpha', '2']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--alpha must be a number between 0 and 1 (exclusive), got "2"');
  });
});
