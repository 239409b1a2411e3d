/**
 * Backends and Version lock pages in Chromium: preflight status in words, a CLI path and a
 * concurrency cap saved through backends.configure, a local agent stopped and started; a lock written
 * from this machine after a confirmation, then edited to an older version and shown as drift.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers.js';
import { checkBothThemes, FAKE_BIN, useApp } from './harness.js';

const app = useApp({
  clis: ['claude', 'gemini'],
  prepare: (machine) => {
    machine.pack('smoke', [{ id: 'a', prompt: 'a' }]);
    machine.backend('upper', "tr '[:lower:]' '[:upper:]'");
    machine.config({ echo: {} });
  },
  open: '/backends',
});

const card = (name: string) => app.page.locator(`[data-testid="backend"][data-backend="${name}"]`);

describe('the Backends page', () => {
  it('shows each backend’s status in words, its version and where its CLI was found', async () => {
    await card('claude_code').waitFor({ timeout: 30_000 });
    const claude = await card('claude_code').textContent();
    expect(claude).toContain('Ready, with warnings');
    expect(claude).toContain('no credentials found');
    expect(claude).toContain('2.1.197');
    expect(claude).toContain(`${app.machine.bin}/claude (found via PATH)`);
    expect(await card('codex').textContent()).toContain('Not ready');
    expect(await card('echo').textContent()).toContain('No separate program');
    // The whole check is one click away.
    await card('codex').getByText('Full check (technical)').click();
    expect(await card('codex').locator('pre').textContent()).toContain('"status": "fail"');
    await checkBothThemes(app.page, 'backends');
  });

  it('saves a CLI path and a concurrency cap, and says in words when the path is wrong', async () => {
    const claude = card('claude_code');
    // The settings are one click away (a disclosure), with their values in its summary.
    const settings = claude.locator('summary', { hasText: 'Settings:' });
    expect(await settings.textContent()).toContain('2 at once · no tools (answers only) · default model');
    await settings.focus();
    await app.page.keyboard.press('Enter');
    // A path that does not exist is refused, in words, where it was typed.
    await claude.getByLabel(/Path to the CLI/).fill('/nowhere/claude');
    await claude.getByRole('button', { name: 'Save settings' }).click();
    // A path is a program the app will run: it asks first, and Go back leaves everything as it was.
    const ask = app.page.getByRole('dialog', { name: 'Run this program for claude_code?' });
    await expect.poll(() => ask.isVisible()).toBe(true);
    expect(await ask.textContent()).toContain('/nowhere/claude');
    await ask.getByRole('button', { name: 'Go back' }).click();
    await expect.poll(() => ask.isVisible()).toBe(false);
    expect(fs.existsSync(path.join(app.machine.workspace, 'mittelo.config.json')) ? fs.readFileSync(path.join(app.machine.workspace, 'mittelo.config.json'), 'utf8') : '').not.toContain('/nowhere/claude');
    await claude.getByRole('button', { name: 'Save settings' }).click();
    await ask.getByRole('button', { name: 'Use this program' }).click();
    await expect.poll(() => claude.getByRole('alert').first().textContent(), { timeout: 15_000 }).toContain('The settings were not saved');
    expect(await claude.getByRole('alert').first().textContent()).toContain('/nowhere/claude does not exist');
    // A copy of the CLI elsewhere, and a cap of 3 prompts at once.
    const elsewhere = path.join(app.machine.root, 'elsewhere');
    fs.mkdirSync(elsewhere);
    fs.symlinkSync(path.join(FAKE_BIN, 'claude'), path.join(elsewhere, 'claude'));
    await claude.getByLabel(/Path to the CLI/).fill(path.join(elsewhere, 'claude'));
    await claude.getByLabel(/Prompts at once/).fill('3');
    await claude.getByRole('button', { name: 'Save settings' }).click();
    await app.page.getByRole('dialog', { name: 'Run this program for claude_code?' }).getByRole('button', { name: 'Use this program' }).click();
    await expect.poll(() => claude.textContent(), { timeout: 30_000 }).toContain(`${elsewhere}/claude (found via the path you set)`);
    expect(await settings.textContent()).toContain('3 at once');
    expect(await claude.getByLabel(/Prompts at once/).inputValue()).toBe('3');
    const config = JSON.parse(fs.readFileSync(path.join(app.machine.workspace, 'mittelo.config.json'), 'utf8')) as { backends: Record<string, object> };
    expect(config.backends.claude_code).toMatchObject({ concurrency: 3, binary_path: path.join(elsewhere, 'claude') });
    // A cap out of range is refused before anything is sent.
    await claude.getByLabel(/Prompts at once/).fill('0');
    await claude.getByRole('button', { name: 'Save settings' }).click();
    expect(await claude.getByRole('alert').first().textContent()).toContain('from 1 to 64');
    await claude.getByLabel(/Prompts at once/).fill('3');
  });

  it('says which CLI a backend runs as when its command is another one (kimi that is Kimi Code)', async () => {
    const kimi = card('kimi');
    expect(await kimi.textContent()).not.toContain('Runs as');
    await kimi.locator('summary', { hasText: 'Settings:' }).click();
    await kimi.getByLabel(/Path to the CLI/).fill(path.join(repoRoot, 'tests', 'fixtures', 'kimi-code', 'kimi'));
    await kimi.getByRole('button', { name: 'Save settings' }).click();
    await app.page.getByRole('dialog', { name: 'Run this program for kimi?' }).getByRole('button', { name: 'Use this program' }).click();
    const runsAs = kimi.locator('dt', { hasText: 'Runs as' }).locator('xpath=following-sibling::dd[1]');
    await expect.poll(() => runsAs.count(), { timeout: 30_000 }).toBe(1);
    expect(await runsAs.textContent()).toBe('kimi_code');
    expect(await kimi.textContent()).toContain('2.1.0');
    expect(await kimi.textContent()).toContain('Ready, with warnings');
  });

  it('stops and starts the local agent of a backend', async () => {
    const echo = card('echo');
    await expect.poll(() => echo.textContent()).toContain('running, 2 at once');
    await echo.getByRole('button', { name: 'Stop agent' }).click();
    await expect.poll(() => echo.textContent(), { timeout: 15_000 }).toContain('stopped');
    await echo.getByRole('button', { name: 'Start agent' }).click();
    await expect.poll(() => echo.textContent(), { timeout: 15_000 }).toContain('running');
  });
});

describe('the Version lock page', () => {
  it('writes the lock from this machine only after a confirmation', async () => {
    await app.goto('/lock');
    await expect.poll(() => app.page.locator('main').textContent(), { timeout: 30_000 }).toContain('no lock file yet');
    await app.page.getByRole('button', { name: 'Write lock from this machine' }).click();
    // There is no lock yet: nothing to replace.
    const dialog = app.page.getByRole('dialog', { name: 'Write the version lock?' });
    await dialog.waitFor();
    // "Go back" has the focus: Enter here would not write anything.
    expect(await app.page.evaluate(() => document.activeElement?.textContent)).toBe('Go back');
    await app.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(fs.existsSync(app.machine.lockFile)).toBe(false);
    await app.page.getByRole('button', { name: 'Write lock from this machine' }).click();
    await dialog.getByRole('button', { name: 'Write the lock' }).click();
    await expect.poll(() => fs.existsSync(app.machine.lockFile), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => app.page.getByTestId('drift-summary').textContent(), { timeout: 30_000 }).toContain('matches the lock');
    // claude and gemini are installed here: the lock pins them, said as a success.
    expect(await app.page.getByTestId('lock-written').textContent()).toMatch(/^Lock written with 2 CLIs\./);
    expect(await app.page.getByTestId('lock-written').getAttribute('class')).toContain('tone-good');
    // Now a lock exists: writing again replaces it.
    await app.page.getByRole('button', { name: 'Write lock from this machine' }).click();
    await app.page.getByRole('dialog', { name: 'Replace the version lock?' }).waitFor();
    await app.page.keyboard.press('Escape');
  });

  it('highlights a CLI whose installed version differs from an edited lock', async () => {
    const lock = JSON.parse(fs.readFileSync(app.machine.lockFile, 'utf8')) as { clis: { name: string; version: string }[] };
    const claude = lock.clis.find((c) => c.name === 'claude_code');
    if (!claude) throw new Error('claude_code is not in the lock');
    claude.version = '2.0.0';
    fs.writeFileSync(app.machine.lockFile, JSON.stringify(lock, null, 2));
    await app.page.getByRole('button', { name: 'Check again' }).click();
    await expect.poll(() => app.page.getByTestId('drift-summary').textContent(), { timeout: 30_000 }).toContain('1 CLI has drifted');
    // The green "written" banner is old news once drift is found.
    expect(await app.page.getByTestId('lock-written').count()).toBe(0);
    const row = app.page.locator('[data-testid="lock-row"][data-status="newer"]');
    expect(await row.textContent()).toContain('claude_code');
    expect(await row.textContent()).toContain('Drift: Newer than locked');
    expect(await row.getAttribute('class')).toContain('drift-row');
    // Drift comes first in the table.
    expect(await app.page.getByTestId('lock-row').first().getAttribute('data-status')).toBe('newer');
    await checkBothThemes(app.page, 'version-lock');
    expect(app.errors).toEqual([]);
  });
});
