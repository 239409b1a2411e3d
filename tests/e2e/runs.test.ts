/**
 * Runs page in Chromium against `mittelo serve`: the start dialog's defaults, a smoke run whose
 * progress per backend updates live from hub events, then history, latency plot, per-backend cost
 * and tokens, and marking the run as its pack's baseline.
 */
import { describe, expect, it } from 'vitest';
import { checkBothThemes, screenshot, useApp } from './harness.js';

const app = useApp({
  clis: ['claude'],
  prepare: (machine) => {
    machine.pack('smoke', ['one', 'two', 'three', 'four'].map((id) => ({ id, prompt: `say ${id}`, expect: { contains: 'SAY' } })));
    machine.pack('other', [{ id: 'x', prompt: 'x' }]);
    // Slow enough (0.8 s a prompt, two at once) to see the run in progress before it ends.
    machine.backend('slow', 'sleep 0.8; tr a-z A-Z');
  },
  open: '/runs',
});

describe('the Runs page', () => {
  it('preselects the smoke pack and the ready backends in the start dialog, opened with the s key', async () => {
    await app.page.getByRole('heading', { name: 'Runs', exact: true }).waitFor();
    await app.page.keyboard.press('s');
    const dialog = app.page.getByRole('dialog', { name: 'Start a smoke run' });
    await dialog.waitFor();
    const pack = dialog.getByLabel('Pack of prompts');
    await expect.poll(() => pack.inputValue()).toBe('smoke');
    // Ready: echo (built in), slow (folder backend), claude_code (fake CLI, no credentials: a warning).
    await expect.poll(() => dialog.getByRole('checkbox', { name: /^slow/ }).isChecked(), { timeout: 30_000 }).toBe(true);
    expect(await dialog.getByRole('checkbox', { name: /^echo/ }).isChecked()).toBe(true);
    expect(await dialog.getByRole('checkbox', { name: /^claude_code/ }).isChecked()).toBe(true);
    // Not installed on this machine: not preselected.
    expect(await dialog.getByRole('checkbox', { name: /^codex/ }).isChecked()).toBe(false);
    await screenshot(app.page, 'runs-start-dialog');
    // A run on the slow backend alone, labelled.
    await dialog.getByRole('checkbox', { name: /^echo/ }).uncheck();
    await dialog.getByRole('checkbox', { name: /^claude_code/ }).uncheck();
    await dialog.getByLabel('Label (optional)').fill('first smoke');
    await dialog.getByRole('button', { name: 'Start run' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('shows the run in progress per backend, live, until it finishes', async () => {
    const progress = app.page.getByTestId('run-progress').filter({ hasText: 'first smoke' });
    await progress.waitFor();
    // In progress first (some tasks running or queued), without reloading the page...
    await expect.poll(() => progress.textContent(), { timeout: 15_000 }).toMatch(/running|queued/);
    await screenshot(app.page, 'runs-in-progress');
    // ...then finished, from events alone.
    await expect.poll(() => progress.getByTestId('progress-text').first().textContent(), { timeout: 30_000 }).toBe('4 of 4 finished: 4 passed');
    await expect.poll(() => progress.textContent()).toContain('4 passed · 0 failed');
  });

  it('lists the run with pass/fail counts, plots its latency, and marks it as baseline', async () => {
    const row = app.page.getByTestId('run-row').filter({ hasText: 'first smoke' });
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    expect(cells[2]).toBe('4'); // passed
    expect(cells[3]).toBe('0'); // failed
    // Folder backends report no tokens or cost: a dash, never 0.
    expect(cells[5]).toBe('—');
    expect(cells[6]).toBe('—');
    expect(await app.page.locator('.chart canvas').count()).toBeGreaterThan(0);
    await row.getByRole('button', { name: 'Per backend' }).click();
    await expect.poll(() => app.page.getByRole('table', { name: /Per backend/ }).textContent()).toContain('slow');
    await row.getByRole('button', { name: 'Mark as baseline' }).click();
    await expect.poll(() => row.textContent()).toContain('Baseline of smoke');
    expect(await row.getByRole('link', { name: 'Compare with previous' }).getAttribute('href')).toMatch(/^#\/compare\?b=/);
    await checkBothThemes(app.page, 'runs');
    expect(app.errors).toEqual([]);
  });
});
