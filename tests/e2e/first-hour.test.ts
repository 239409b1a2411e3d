/**
 * A new teammate's first hour in Chromium (issue 16's Minor items): the start dialog says inline why
 * a backend is not ready and warns before running it, keeps a backend the user unticked unticked,
 * lists a pack added meanwhile; the shell backend's command is set in its settings; a task failed
 * by a missing CLI says how to install it; Overview does not list a finished run's agent; the
 * latency chart shows one pack at a time.
 */
import { describe, expect, it } from 'vitest';
import { api, checkBothThemes, runToEnd, useApp } from './harness.js';

// No codex installed here: it is "Not ready".
const app = useApp({
  prepare: (machine) => {
    machine.pack('smoke', [{ id: 'a', prompt: 'say a' }, { id: 'b', prompt: 'say b' }]);
    machine.backend('slow', 'sleep 0.3; tr a-z A-Z');
  },
  open: '/runs',
});

const dialog = () => app.page.getByRole('dialog', { name: 'Start a smoke run' });

async function openDialog(): Promise<void> {
  await app.page.getByRole('button', { name: 'Start smoke run' }).click();
  await dialog().waitFor();
  await expect.poll(() => dialog().getByRole('checkbox', { name: /^slow/ }).count(), { timeout: 30_000 }).toBe(1);
}

describe('the start dialog', () => {
  it('says inline why a backend is not ready, and warns before running it', async () => {
    await app.page.getByRole('heading', { name: 'Runs', exact: true }).waitFor();
    await openDialog();
    const codex = dialog().getByRole('checkbox', { name: /^codex/ });
    const why = await codex.getAttribute('aria-describedby');
    expect(why).toBeTruthy();
    const reason = app.page.locator(`[id="${why ?? ''}"]`);
    expect(await reason.textContent()).toMatch(/codex not found on PATH.*npm install -g @openai\/codex/);
    await codex.check();
    await dialog().getByRole('button', { name: 'Start run' }).click();
    const warning = dialog().getByTestId('not-ready-warning');
    await warning.waitFor();
    expect(await warning.textContent()).toContain('codex is not ready here, so its tasks will fail');
    expect(await dialog().getByRole('button', { name: 'Start anyway' }).count()).toBe(1);
    await checkBothThemes(app.page, 'start-dialog-not-ready');
    // Unticking it takes the warning away.
    await codex.uncheck();
    expect(await dialog().getByTestId('not-ready-warning').count()).toBe(0);
  });

  it('keeps echo unticked after the user unticked it, and lists a pack added meanwhile', async () => {
    await dialog().getByRole('checkbox', { name: /^echo/ }).uncheck();
    await dialog().getByLabel('Label (optional)').fill('slow only');
    await dialog().getByRole('button', { name: 'Start run' }).click();
    await dialog().waitFor({ state: 'hidden' });
    app.machine.pack('added-later', [{ id: 'x', prompt: 'x' }]);
    await openDialog();
    expect(await dialog().getByRole('checkbox', { name: /^echo/ }).isChecked()).toBe(false);
    expect(await dialog().getByRole('checkbox', { name: /^slow/ }).isChecked()).toBe(true);
    await expect.poll(() => dialog().getByLabel('Pack of prompts').locator('option').allTextContents()).toContain('added-later (1 prompt)');
    await dialog().getByRole('button', { name: 'Cancel' }).click();
  });

  it('plots the latency of one pack at a time, the newest run’s pack first', async () => {
    await runToEnd(app.url, { pack: 'added-later', backends: ['slow'], label: 'other pack' });
    const chooser = app.page.getByTestId('latency-pack');
    await expect.poll(() => chooser.inputValue(), { timeout: 30_000 }).toBe('added-later');
    expect(await chooser.locator('option').allTextContents()).toEqual(['added-later', 'smoke']);
    await chooser.selectOption('smoke');
    await expect.poll(() => app.page.locator('.chart canvas').count()).toBeGreaterThan(0);
  });
});

describe('backends and failures', () => {
  it('sets the shell backend’s command line in its settings, which makes it ready', async () => {
    await app.goto('/backends');
    const shell = app.page.locator('[data-testid="backend"][data-backend="shell"]');
    await shell.waitFor({ timeout: 30_000 });
    expect(await shell.textContent()).toContain('Not ready');
    await shell.getByText(/^Settings:/).click();
    await shell.getByLabel(/^Command line/).fill('tr a-z A-Z');
    await shell.getByRole('button', { name: 'Save settings' }).click();
    // A command line is a program the app will run: asked first, as a CLI path is.
    const confirm = app.page.getByRole('dialog', { name: 'Run this program for shell?' });
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('tr a-z A-Z');
    await confirm.getByRole('button', { name: 'Use this program' }).click();
    await expect.poll(() => shell.locator('h2').first().textContent(), { timeout: 30_000 }).toContain('Ready');
    expect(await shell.getByLabel(/^Command line/).inputValue()).toBe('tr a-z A-Z');
    const { task_id } = await api<{ task_id: number }>(app.url, 'tasks.enqueue', { prompt: 'shout', backend: 'shell' });
    await api(app.url, 'agents.start', { backend: 'shell' });
    await expect.poll(async () => (await api<{ task: { result: string | null } }>(app.url, 'tasks.get', { task_id })).task.result, { timeout: 30_000 }).toBe('SHOUT');
  });

  it('says how to install a CLI whose absence failed a task', async () => {
    const { task_id } = await api<{ task_id: number }>(app.url, 'tasks.enqueue', { prompt: 'needs codex', backend: 'codex' });
    await app.goto(`/tasks?task=${task_id}`);
    const detail = app.page.getByTestId('task-detail');
    await detail.getByRole('button', { name: 'Start agent for codex' }).click();
    const hint = detail.getByTestId('failure-hint');
    await expect.poll(() => hint.count(), { timeout: 30_000 }).toBe(1);
    expect(await hint.textContent()).toMatch(/^codex \(the codex CLI\) is not installed where this task ran\. Install it with `npm install -g @openai\/codex`/);
    await checkBothThemes(app.page, 'task-failed-not-installed');
  });

  it('never shows a lock that pins no CLI as green', async () => {
    // No vendor CLI is installed on this machine: the lock written here pins nothing.
    await app.goto('/lock');
    await expect.poll(() => app.page.locator('main').textContent(), { timeout: 30_000 }).toContain('no lock file yet');
    await app.page.getByRole('button', { name: 'Write lock from this machine' }).click();
    await app.page.getByRole('dialog', { name: 'Write the version lock?' }).getByRole('button', { name: 'Write the lock' }).click();
    const written = app.page.getByTestId('lock-written');
    await expect.poll(() => written.textContent(), { timeout: 30_000 }).toContain('pins no CLI');
    expect(await written.getAttribute('class')).toContain('tone-warn');
    await expect.poll(() => app.page.getByTestId('drift-summary').textContent(), { timeout: 30_000 }).toContain('The lock pins no CLI, so nothing is checked');
    expect(await app.page.locator('main').textContent()).not.toContain('Every locked CLI matches');
    await checkBothThemes(app.page, 'lock-pins-nothing');
  });

  it('does not list a finished run’s agent on the Overview', async () => {
    await app.goto('/');
    await app.page.getByRole('heading', { name: 'Agents' }).waitFor();
    // The agents started by hand above are listed; the runs' own agents ended and said so.
    await expect.poll(() => app.page.getByTestId('agents-table').textContent(), { timeout: 15_000 }).toContain('app-shell');
    const text = (await app.page.getByTestId('agents-table').textContent()) ?? '';
    expect(text).not.toMatch(/-run-\d+/);
    expect(app.errors).toEqual([]);
  });
});
