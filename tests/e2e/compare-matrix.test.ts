/**
 * Compare with repeats in Chromium: a pack whose header repeats every prompt 4 times, a folder
 * backend whose answers the test sets per prompt (one prompt breaks in B, one turns flaky), and a
 * steady backend. The gate verdict leads, the matrix shows pass rates with a flaky badge, a cell
 * opens every try side by side, the pass-rate history chart and a try's diff against run A.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkBothThemes, runToEnd, useApp } from './harness.js';

let runA = '';
let runB = '';

/**
 * `plan/<prompt>` holds one outcome per try ("ok" or "bad"), consumed in order under a mkdir lock
 * (the app's agent runs two tasks at once); "ok" answers "fine <prompt>", "bad" answers "broken".
 */
const PLANNED = [
  'prompt=$(cat)',
  'dir="$MITTELO_BACKEND_DIR/plan"',
  'until mkdir "$dir/$prompt.lock" 2>/dev/null; do sleep 0.02; done',
  'line=$(head -n 1 "$dir/$prompt"); tail -n +2 "$dir/$prompt" > "$dir/$prompt.rest"; mv "$dir/$prompt.rest" "$dir/$prompt"',
  'rmdir "$dir/$prompt.lock"',
  'if [ "$line" = ok ]; then printf "fine %s\\nsecond line\\n" "$prompt"; else echo broken; fi',
].join('\n');

function plan(outcomes: Record<string, string[]>): void {
  const dir = path.join(app.machine.backendsDir, 'planned', 'plan');
  fs.mkdirSync(dir, { recursive: true });
  for (const [prompt, lines] of Object.entries(outcomes)) fs.writeFileSync(path.join(dir, prompt), `${lines.join('\n')}\n`);
}

const app = useApp({
  prepare: (machine) => {
    machine.pack('rep', [{ pack: { repeat: 4 } }, ...['breaks', 'wobbles', 'steady'].map((id) => ({ id, prompt: id, expect: { contains: 'fine' } }))]);
    machine.backend('planned', PLANNED);
    machine.backend('steady', 'prompt=$(cat)\necho "fine $prompt"');
  },
  ready: async ({ url }) => {
    const all = (outcome: string) => [outcome, outcome, outcome, outcome];
    plan({ breaks: all('ok'), wobbles: all('ok'), steady: all('ok') });
    runA = await runToEnd(url, { pack: 'rep', backends: ['planned', 'steady'], label: 'before' });
    plan({ breaks: all('bad'), wobbles: ['ok', 'bad', 'ok', 'ok'], steady: all('ok') });
    runB = await runToEnd(url, { pack: 'rep', backends: ['planned', 'steady'], label: 'after' });
  },
  open: () => `/compare?a=${runA}&b=${runB}`,
  timeoutMs: 180_000,
});

describe('Compare with repeats', () => {
  it('leads with the gate verdict and why it fails', async () => {
    const gate = app.page.getByTestId('gate');
    await expect.poll(() => gate.getAttribute('data-pass'), { timeout: 30_000 }).toBe('false');
    const text = (await gate.textContent()) ?? '';
    expect(text).toContain('The gate fails: 1 reason.');
    expect(text).toMatch(/✗ breaks on planned: passed 4\/4 \(100%\) in A, 0\/4 \(0%\) in B; drop significant: p = 0\.014 ≤ alpha 0\.05/);
    expect(text).toContain('! wobbles on planned passed every try in A and is flaky in B');
    // The gate comes before the matrix and the older summary.
    const order = await app.page.evaluate(() => ['gate', 'matrix', 'verdict'].map((id) => document.querySelector(`[data-testid="${id}"]`)?.getBoundingClientRect().top ?? -1));
    expect(order[0]).toBeLessThan(order[1] ?? 0);
    expect(order[1]).toBeLessThan(order[2] ?? 0);
  });

  it('asks for the gate and matrix first without the pairs, then lists the pairs from a second answer', async () => {
    await app.page.locator('#pairs-heading').waitFor({ timeout: 30_000 });
    const asked = await app.page.evaluate(async ({ a, b }) => {
      const call = async (pairs: boolean) => {
        const res = await fetch('/api/call/compare.runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ run_a: a, run_b: b, pairs }) });
        const body = (await res.json()) as { result: { comparison: { pairs: unknown[]; rows: unknown[]; summary: { pairs: number } } } };
        return { pairs: body.result.comparison.pairs.length, rows: body.result.comparison.rows.length, counted: body.result.comparison.summary.pairs };
      };
      return { without: await call(false), with: await call(true) };
    }, { a: runA, b: runB });
    expect(asked.without).toEqual({ pairs: 0, rows: 6, counted: asked.with.counted });
    expect(asked.with.pairs).toBe(asked.with.counted);
    expect(asked.with.rows).toBe(6);
    expect(await app.page.getByTestId('pairs-loading').count()).toBe(0);
  });

  it('shows the matrix of pass rates with colour by verdict and a flaky badge', async () => {
    const cells = app.page.getByTestId('matrix-cell');
    // "Needs attention" first: the two prompts with a non-stable cell, on both backends.
    await expect.poll(() => cells.count()).toBe(4);
    const breaks = app.page.getByRole('button', { name: 'breaks on planned: Regressed, 100% in A, 0% in B' });
    expect(await breaks.getAttribute('data-verdict')).toBe('regressed');
    expect(await breaks.getAttribute('class')).toContain('tone-bad');
    const wobbles = app.page.getByRole('button', { name: 'wobbles on planned: Flaky, 100% in A, 75% in B' });
    expect(await wobbles.textContent()).toContain('flaky');
    await app.page.getByRole('button', { name: /^All prompts \(3\)/ }).click();
    await expect.poll(() => cells.count()).toBe(6);
    expect(await app.page.getByRole('button', { name: 'steady on steady: Stable pass, 100% in A, 100% in B' }).count()).toBe(1);
  });

  it('opens a cell: every try side by side, the pass-rate history, a try’s diff against A', async () => {
    await app.page.getByRole('button', { name: /^breaks on planned:/ }).click();
    const detail = app.page.getByTestId('row-detail');
    await detail.waitFor();
    expect(app.page.url()).toContain('cell=');
    expect(await detail.getByTestId('row-why').textContent()).toContain('passed 4/4 (100%) in A, 0/4 (0%) in B');
    const tries = detail.getByTestId('try');
    await expect.poll(() => tries.count(), { timeout: 15_000 }).toBe(8);
    expect(await detail.getByTestId('tries').textContent()).toContain('fine breaks');
    expect(await detail.getByTestId('tries').textContent()).toContain('broken');
    // Two finished runs of the pack: a chart of the pass rate (100% then 0%).
    const history = detail.getByTestId('history');
    await history.waitFor({ timeout: 15_000 });
    expect(await history.locator('canvas').count()).toBeGreaterThan(0);
    await tries.nth(1).click();
    const opened = detail.getByTestId('try-detail');
    await opened.waitFor();
    const diff = opened.getByTestId('diff');
    await diff.waitFor();
    expect(await diff.textContent()).toContain('broken');
    await checkBothThemes(app.page, 'compare-matrix');
    await app.page.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => detail.count()).toBe(0);
    expect(app.errors).toEqual([]);
  });
});
