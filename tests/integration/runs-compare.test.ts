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
    expect(text.stdout).toContain('REGRESSIONS: 2 new failures');
  });

  it('a rerun with nothing new failing exits 0', async () => {
    const again = await ws.run(['--pack', 'cmp.jsonl', '--backend', 'filed']);
    const c = await ws.compare(runB, again.runId, [], 0);
    expect(c.summary.counts).toEqual({ unchanged: 4, changed: 0, new_failure: 0, fixed: 0, still_failing: 3, only_in_a: 0, only_in_b: 0 });
    expect(c.summary.regressions).toBe(false);
  });

  it('runs on different backends share no pair: everything is only in A or only in B', async () => {
    ws.backend('other', 'cat');
    const c = await ws.run(['--pack', 'cmp.jsonl', '--backend', 'other']);
    expect(c.code, c.stderr).toBe(1); // "check" wants "yes"; cat answers "check"
    const compared = await ws.compare(runB, c.runId, [], 0);
    expect(compared.summary.counts).toMatchObject({ only_in_a: 7, only_in_b: 7, unchanged: 0, changed: 0, new_failure: 0 });
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
    expect(text.stdout).toContain('REGRESSIONS: 1 new failure');
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
