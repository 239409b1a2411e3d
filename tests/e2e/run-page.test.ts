/**
 * The per-run page in Chromium: the prompts × backends grid with every answer and failed check in
 * words, saved as one HTML file from the app, and the run deleted after a confirmation.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { api, checkBothThemes, runToEnd, useApp } from './harness.js';

let runId: string;

const app = useApp({
  prepare: (machine) => {
    machine.pack('grid', [
      { id: 'shout', prompt: 'make <b>me</b> loud', expect: { contains: 'LOUD' } },
      { id: 'count', prompt: 'count to three', expect: { contains: 'three' } },
    ]);
    machine.backend('upper', "tr '[:lower:]' '[:upper:]'");
  },
  ready: async ({ url }) => {
    runId = await runToEnd(url, { pack: 'grid', backends: ['echo', 'upper'], label: 'grid run' });
  },
  open: '/runs',
});

describe('the run page', () => {
  it('opens from the history and shows every prompt against every backend with its answer', async () => {
    await app.page.getByTestId('run-row').filter({ hasText: 'grid run' }).getByRole('link', { name: 'grid run' }).click();
    const detail = app.page.getByTestId('run-detail');
    await detail.getByRole('heading', { name: 'grid run' }).waitFor();
    const headers = await detail.getByRole('columnheader').allTextContents();
    expect(headers).toEqual(['Prompt', 'echo', 'upper']);
    const rows = detail.getByTestId('grid-row');
    expect(await rows.count()).toBe(2);
    const shout = rows.filter({ hasText: 'make <b>me</b> loud' });
    // Untrusted text is text: the prompt's markup is shown, not rendered.
    expect(await shout.locator('b').count()).toBe(0);
    const upper = shout.locator('[data-testid="grid-cell"][data-backend="upper"]');
    expect(await upper.textContent()).toContain('MAKE <B>ME</B> LOUD');
    expect(await upper.textContent()).toContain('passed');
    const count = rows.filter({ hasText: 'count to three' }).locator('[data-testid="grid-cell"][data-backend="upper"]');
    expect(await count.textContent()).toContain('1 check failed');
    await checkBothThemes(app.page, 'run-page');
  });

  it('saves the run as one HTML file', async () => {
    const [download] = await Promise.all([app.page.waitForEvent('download'), app.page.getByRole('button', { name: 'Save as HTML' }).click()]);
    expect(download.suggestedFilename()).toBe(`${runId}.html`);
    const file = await download.path();
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('<title>grid run: Mittelo run</title>');
    expect(text).toContain('MAKE &lt;B&gt;ME&lt;/B&gt; LOUD');
    expect(text).not.toContain('<b>me</b>');
    expect(text).toContain("default-src 'none'");
  });

  it('deletes the run after asking, and is back on the list without it', async () => {
    await app.page.getByRole('button', { name: 'Delete run…' }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Delete grid run?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete the run' }).click();
    await app.page.getByRole('heading', { name: 'Runs', exact: true }).waitFor();
    await expect.poll(async () => (await api<{ runs: { run: { run_id: string } }[] }>(app.url, 'runs.list', {})).runs.map((r) => r.run.run_id)).not.toContain(runId);
    expect(await app.page.getByTestId('run-row').count()).toBe(0);
    expect(app.errors).toEqual([]);
  });
});
