/**
 * The workspace switcher in Chromium (browser mode): the open workspace in the header; a typed path
 * checked as it is typed (a file, a relative path, a new folder); a run still going must be
 * confirmed; the switch reloads the app on the other folder, and the recent list brings it back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { api, checkBothThemes, useApp } from './harness.js';

let other: string;
let runId: string;

type Status = { workspace: string };

const app = useApp({
  prepare: (machine) => {
    machine.pack('one', [{ id: 'a', prompt: 'take your time' }]);
    machine.backend('slow', 'sleep 120\ncat');
    other = path.join(machine.root, 'other');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(machine.root, 'notes.txt'), 'a file\n');
  },
  ready: async ({ url }) => {
    ({ run_id: runId } = await api<{ run_id: string }>(url, 'runs.start', { pack: 'one', backends: ['slow'], label: 'slow run' }));
  },
  open: '/',
});

describe('the workspace switcher', () => {
  it('shows the open workspace, checks a typed path, and asks before stopping a run', async () => {
    const button = app.page.getByTestId('workspace-button');
    await expect.poll(() => button.textContent(), { timeout: 20_000 }).toBe('Workspace: workspace');
    await button.click();
    const dialog = app.page.getByRole('dialog', { name: 'Switch workspace' });
    await dialog.waitFor();
    expect(await dialog.getByTestId('workspace-current').textContent()).toBe(app.machine.workspace);
    // Browser mode: no system folder picker, a path field instead.
    expect(await dialog.getByRole('button', { name: 'Choose folder…' }).count()).toBe(0);
    const field = dialog.getByLabel('Folder (its full path)');
    const check = dialog.getByTestId('path-check');
    await field.fill(path.join(app.machine.root, 'notes.txt'));
    await expect.poll(() => check.textContent(), { timeout: 10_000 }).toMatch(/is a file, not a folder/i);
    await field.fill('relative/folder');
    await expect.poll(() => check.textContent(), { timeout: 10_000 }).toMatch(/is not a full path/i);
    await field.fill(other);
    await expect.poll(() => check.textContent(), { timeout: 10_000 }).toBe(`${other} becomes a new workspace: the example packs are added to it.`);
    // The run on the slow backend is still going: the switch waits for a confirmation.
    await expect.poll(() => dialog.getByTestId('runs-going').textContent(), { timeout: 10_000 }).toContain('1 run is still going here: slow run. Switching stops it where it is.');
    const submit = dialog.getByRole('button', { name: 'Switch workspace' });
    expect(await submit.isDisabled()).toBe(true);
    await checkBothThemes(app.page, 'workspace-switch');
    await dialog.getByLabel('Stop it and switch').check();
    expect(await submit.isDisabled()).toBe(false);
    await submit.click();
    // The app reloads on the other workspace: its own empty database and the example packs.
    await expect.poll(() => app.page.getByTestId('workspace-button').textContent(), { timeout: 30_000 }).toBe('Workspace: other');
    expect((await api<Status>(app.url, 'hub.status')).workspace).toBe(other);
    expect((await api<{ runs: unknown[] }>(app.url, 'runs.list')).runs).toEqual([]);
    expect(fs.existsSync(path.join(other, '.mittelo', 'mittelo.db'))).toBe(true);
    expect(fs.readdirSync(path.join(other, 'packs')).length).toBeGreaterThan(0);
  });

  it('brings the first workspace back from the recent list, its run still recorded', async () => {
    await app.page.getByTestId('workspace-button').click();
    const dialog = app.page.getByRole('dialog', { name: 'Switch workspace' });
    await dialog.waitFor();
    const recent = dialog.getByTestId('recent-workspaces');
    await recent.getByRole('button', { name: 'workspace', exact: true }).click();
    expect(await dialog.getByLabel('Folder (its full path)').inputValue()).toBe(app.machine.workspace);
    await expect.poll(() => dialog.getByTestId('path-check').textContent(), { timeout: 10_000 }).toBe(`Opens the workspace ${app.machine.workspace}.`);
    expect(await dialog.getByTestId('runs-going').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Switch workspace' }).click();
    await expect.poll(() => app.page.getByTestId('workspace-button').textContent(), { timeout: 30_000 }).toBe('Workspace: workspace');
    expect((await api<Status>(app.url, 'hub.status')).workspace).toBe(app.machine.workspace);
    const { runs } = await api<{ runs: { run: { run_id: string } }[] }>(app.url, 'runs.list');
    expect(runs.map((r) => r.run.run_id)).toEqual([runId]);
    expect(app.errors).toEqual([]);
  });
});
