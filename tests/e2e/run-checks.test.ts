/**
 * Check failures in words, in Chromium against `mittelo serve`: the shipped smoke pack passes on a
 * fresh workspace's backends (echo), and a pack whose checks fail on echo shows why, in words, in
 * the run's progress, in the history and in the task detail (a `contains`, a `command` check run as
 * a real process, and a fake judge backend).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers.js';
import { checkBothThemes, useApp } from './harness.js';

const app = useApp({
  prepare: (machine) => {
    // A fresh machine: no vendor CLI installed, the smoke pack as mittelo ships it.
    fs.copyFileSync(path.join(repoRoot, 'packs', 'smoke.jsonl'), path.join(machine.packsDir, 'smoke.jsonl'));
    machine.pack('checked', [
      { id: 'ok', prompt: 'Say OK', expect: { contains: 'OK' } },
      {
        id: 'product',
        prompt: 'What is 17 * 23?',
        expect: { contains: '391', command: 'grep -q 391', judge: { backend: 'judge', rubric: 'The answer gives the product, 391.' } },
      },
    ]);
    // The fake judge: fails an answer without 391, saying so, as a JSON verdict.
    machine.backend('judge', 'if sed -n "/^## The answer to grade/,\\$p" | grep -q 391; then echo \'{"pass": true, "reason": "it gives 391"}\'; else echo \'{"pass": false, "reason": "the answer does not give the product"}\'; fi');
  },
  open: '/runs',
});

async function startRun(pack: string, label: string): Promise<void> {
  await app.page.getByRole('button', { name: 'Start smoke run' }).click();
  const dialog = app.page.getByRole('dialog', { name: 'Start a smoke run' });
  await dialog.waitFor();
  await expect.poll(() => dialog.getByRole('checkbox', { name: /^echo/ }).isChecked(), { timeout: 30_000 }).toBe(true);
  await dialog.getByLabel('Pack of prompts').selectOption(pack);
  // echo only (the judge backend is ready too, and would be ticked).
  for (const box of await dialog.getByRole('checkbox').all()) {
    const name = (await box.getAttribute('aria-label')) ?? (await box.evaluate((el) => el.closest('label')?.textContent ?? ''));
    if (!/^echo/.test(name.trim()) && (await box.isChecked())) await box.uncheck();
  }
  await dialog.getByLabel('Label (optional)').fill(label);
  await dialog.getByRole('button', { name: 'Start run' }).click();
  await dialog.waitFor({ state: 'hidden' });
}

describe('check failures in words', () => {
  it('the shipped smoke pack passes on a fresh workspace (echo)', async () => {
    await app.page.getByRole('heading', { name: 'Runs', exact: true }).waitFor();
    await startRun('smoke', 'fresh smoke');
    const progress = app.page.getByTestId('run-progress').filter({ hasText: 'fresh smoke' });
    await expect.poll(() => progress.getByTestId('progress-text').first().textContent(), { timeout: 60_000 }).toBe('4 of 4 finished: 4 passed');
    expect(await progress.textContent()).toContain('4 passed · 0 failed');
    expect(await progress.getByTestId('failure-list').count()).toBe(0);
  });

  it('shows failed checks in words in progress and history, not a green "done"', async () => {
    await startRun('checked', 'checked run');
    const progress = app.page.getByTestId('run-progress').filter({ hasText: 'checked run' });
    // Finished only once the command and the judge have decided.
    await expect.poll(() => progress.getByTestId('progress-text').first().textContent(), { timeout: 60_000 }).toBe('2 of 2 finished: 1 passed, 1 failed checks');
    expect(await progress.textContent()).toContain('1 passed · 1 failed');
    expect(await progress.textContent()).toContain('Finished with failures');
    const why = await progress.getByTestId('failure-list').textContent();
    expect(why).toContain('product on echo: expected the answer to contain "391"');
    expect(why).toContain('expected the command "grep -q 391" to accept the answer');
    expect(why).toContain('the judge (judge) failed the answer: the answer does not give the product');
    // The bar shows the failed checks as their own (red) segment, not as done.
    expect(await progress.locator('.bar__seg--checks_failed').count()).toBe(1);

    const history = app.page.getByTestId('run-failures').filter({ hasText: 'product on echo' });
    await history.waitFor();
    expect(await history.textContent()).toContain('expected the answer to contain "391"');
    await checkBothThemes(app.page, 'runs-check-failures');
  });

  it('the task detail lists every check with its reason', async () => {
    await app.page.getByTestId('run-progress').filter({ hasText: 'checked run' }).getByRole('link', { name: /product on echo/ }).click();
    const detail = app.page.getByTestId('task-detail');
    await detail.waitFor();
    await expect.poll(() => detail.getByTestId('checks-verdict').textContent(), { timeout: 15_000 }).toBe('3 of 3 checks failed');
    const checks = await detail.getByTestId('check-list').locator('li').allTextContents();
    expect(checks).toHaveLength(3);
    expect(checks[0]).toBe('✗Failed: expected the answer to contain "391"');
    expect(checks).toContain('✗Failed: expected the command "grep -q 391" to accept the answer; it exited with code 1');
    expect(checks.join('\n')).toContain('Failed: the judge (judge) failed the answer: the answer does not give the product');
    await checkBothThemes(app.page, 'task-detail-checks');
    expect(app.errors).toEqual([]);
  });
});
