/**
 * Compare page in Chromium: two runs with a known regression. A folder backend answers from files
 * the test changes between the runs (a check that passed now fails), and a fake Claude Code changes
 * version and answer, so the likely cause is known; then compare-and-pick on the second run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkBothThemes, FAKE_BIN, runToEnd, screenshot, useApp } from './harness.js';

let runA = '';
let runB = '';

/** The folder backend's answers (file per prompt) and the fake claude's version and answer. */
function answers(greet: string, story: string, claude: { version: string; answer: string }): void {
  const dir = path.join(app.machine.backendsDir, 'filed', 'answers');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'greet'), greet);
  fs.writeFileSync(path.join(dir, 'story'), story);
  fs.writeFileSync(path.join(dir, 'same'), 'always this\n');
  const wrapper = `#!/bin/sh\nif [ "$1" = "--version" ]; then echo '${claude.version} (Claude Code)'; exit 0; fi\nFAKE_CLI_ANSWER='${claude.answer}' exec '${process.execPath}' '${path.join(FAKE_BIN, 'claude')}' "$@"\n`;
  fs.writeFileSync(path.join(app.machine.bin, 'claude'), wrapper, { mode: 0o755 });
}

const app = useApp({
  prepare: (machine) => {
    machine.pack('regress', [
      { id: 'greet', prompt: 'greet', expect: { contains: 'hello' } },
      { id: 'story', prompt: 'story' },
      { id: 'same', prompt: 'same' },
    ]);
    machine.backend('filed', 'prompt=$(cat)\ncat "$MITTELO_BACKEND_DIR/answers/$prompt"');
    answers('hello there\nhave a nice day\n', 'the quick brown fox\njumps over the dog\n', { version: '2.1.197', answer: 'hello from claude' });
  },
  ready: async ({ url }) => {
    runA = await runToEnd(url, { pack: 'regress', backends: ['filed', 'claude_code'], label: 'before upgrade' });
    answers('goodbye there\nhave a nice day\n', 'the slow brown fox\njumps over the dog\n', { version: '2.2.0', answer: 'goodbye from claude' });
    runB = await runToEnd(url, { pack: 'regress', backends: ['filed', 'claude_code'], label: 'after upgrade' });
  },
  open: '/compare',
});

describe('the Compare page', () => {
  it('compares the latest run with the previous one of its pack by default, summary first', async () => {
    const compared = app.page.getByTestId('compared-runs');
    await expect.poll(() => compared.textContent(), { timeout: 20_000 }).toContain('A: before upgrade');
    expect(await compared.textContent()).toContain('B: after upgrade');
    expect(await app.page.getByTestId('verdict').textContent()).toContain('2 new failures');
    const tile = (category: string) => app.page.getByTestId('counts').locator(`[data-category="${category}"] .tile__value`).textContent();
    expect(await tile('new_failure')).toBe('2');
    // Changed: the folder backend's story, and claude's two other answers.
    expect(await tile('changed')).toBe('3');
    expect(await tile('unchanged')).toBe('1');
    // The version change is flagged as what changed between the runs.
    expect(await app.page.getByTestId('changes').textContent()).toMatch(/2\.1\.197 → 2\.2\.0/);
  });

  it('flags the regression with its likely cause and shows the word-level diff, as text', async () => {
    const failures = app.page.locator('[data-testid="pair"][data-category="new_failure"]');
    await expect.poll(() => failures.count()).toBe(2);
    const filed = failures.filter({ hasText: 'on filed' });
    // The first regression is open from the start; open the folder backend's if it is not.
    if ((await filed.getByRole('button', { expanded: true }).count()) === 0) await filed.locator('button.pair-head').click();
    const diff = filed.getByTestId('diff');
    await diff.waitFor();
    expect(await diff.locator('del').allTextContents()).toContain('hello');
    expect(await diff.locator('ins').allTextContents()).toContain('goodbye');
    expect(await filed.textContent()).toContain('contains "hello"');
    const claude = failures.filter({ hasText: 'on claude_code' });
    expect(await claude.textContent()).toMatch(/Likely cause: .*2\.1\.197 → 2\.2\.0/);
    await checkBothThemes(app.page, 'compare');
  });

  it('filters the pairs by category from the keyboard', async () => {
    const chip = app.page.getByRole('button', { name: /^Changed \(3\)/ });
    await chip.focus();
    await app.page.keyboard.press('Enter');
    await expect.poll(() => app.page.getByTestId('pair').count()).toBe(3);
    expect(await app.page.locator('[data-testid="pair"]:not([data-category="changed"])').count()).toBe(0);
    expect(app.page.url()).toContain('cat=changed');
    // Arrow keys move between the pair headers.
    const heads = app.page.locator('button.pair-head');
    await heads.first().focus();
    await app.page.keyboard.press('ArrowDown');
    expect(await app.page.evaluate(() => document.activeElement?.textContent ?? '')).toBe(await heads.nth(1).textContent());
  });

  it('saves the comparison on screen as one HTML report, answers escaped', async () => {
    const [download] = await Promise.all([app.page.waitForEvent('download'), app.page.getByRole('button', { name: 'Save as HTML' }).click()]);
    expect(download.suggestedFilename()).toBe(`compare-${runA}-vs-${runB}.html`);
    const text = fs.readFileSync(await download.path(), 'utf8');
    expect(text).toContain(`<title>Compare ${runA} → ${runB}</title>`);
    expect(text).toContain("default-src 'none'");
    expect(text).not.toMatch(/<script/i);
    // The same regression the page shows: the folder backend's greet lost "hello", with its version change.
    expect(text).toMatch(/new failure/i);
    expect(text).toContain('<span class="wd">hello</span> there</td><td class="ln">1</td><td class="code ins"><span class="wi">goodbye</span> there');
    expect(text).toMatch(/2\.1\.197 → 2\.2\.0/);
    expect(app.errors).toEqual([]);
  });

  it('compares two chosen runs and marks the baseline of the pack', async () => {
    await app.goto(`/compare?a=${runB}&b=${runA}`);
    await expect.poll(() => app.page.getByTestId('compared-runs').textContent(), { timeout: 15_000 }).toContain('A: after upgrade');
    // Backwards, the regressions read as fixes.
    expect(await app.page.getByTestId('counts').locator('[data-category="fixed"] .tile__value').textContent()).toBe('2');
    expect(await app.page.getByTestId('baseline-note').textContent()).toContain('no baseline');
  });

  it('shows one prompt’s answers side by side with fastest and cheapest, and picks the best', async () => {
    await app.goto(`/compare?view=pick&run=${runA}&prompt=greet`);
    const cards = app.page.getByTestId('candidate');
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(2);
    const claude = cards.filter({ hasText: 'claude_code' });
    // The fake reports cost and tokens; the folder backend does not (a dash, never 0).
    expect(await claude.textContent()).toContain('Cheapest');
    // A per-task cost reads as in the CLI and the reports: 4 decimals under $1.
    expect(await claude.textContent()).toMatch(/Cost\$0\.0123/);
    expect(await cards.filter({ hasText: 'filed' }).textContent()).toMatch(/Cost—/);
    expect(await app.page.locator('.candidates').textContent()).toContain('Fastest');
    await claude.getByRole('button', { name: 'Pick as best' }).click();
    await expect.poll(() => claude.textContent()).toContain('Picked as best');
    await screenshot(app.page, 'compare-pick');
    expect(app.errors).toEqual([]);
  });
});
