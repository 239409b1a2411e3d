/**
 * System tests in the app, in Chromium against `mittelo serve`: "Start system test" opens the start
 * dialog on the shipped system pack (fixtures copied with it), a folder backend edits its workdir
 * like an agent (tests/fixtures/fake-cli/edit.mjs), the task detail shows the check and the
 * workspace diff per file, and Compare shows both workspaces and the files touched differently.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers.js';
import { api, checkBothThemes, runToEnd, useApp } from './harness.js';

let modeFile: string;

const EDIT = path.join(repoRoot, 'tests', 'fixtures', 'fake-cli', 'edit.mjs');

const app = useApp({
  prepare: (machine) => {
    fs.copyFileSync(path.join(repoRoot, 'packs', 'system.jsonl'), path.join(machine.packsDir, 'system.jsonl'));
    fs.cpSync(path.join(repoRoot, 'packs', 'system'), path.join(machine.packsDir, 'system'), { recursive: true });
    modeFile = path.join(machine.root, 'coder-mode');
    fs.writeFileSync(modeFile, 'fix');
    // An agent that edits its working directory (fix or break, as the mode file says).
    machine.backend('coder', `cat >/dev/null\nFAKE_CLI_EDIT=$(cat '${modeFile}') node --input-type=module -e "const m = await import('${EDIT}'); console.log(m.editWorkspace() ?? 'nothing')"`);
  },
  open: '/runs',
  timeoutMs: 120_000,
});

describe('system tests in the app', () => {
  it('"Start system test" starts the example pack; the task detail shows the check and the diff per file', async () => {
    await app.page.getByRole('button', { name: 'Start system test' }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Start a system test' });
    await dialog.waitFor();
    await expect.poll(() => dialog.getByLabel('Pack of prompts').inputValue(), { timeout: 30_000 }).toBe('system');
    await dialog.getByTestId('system-pack-help').waitFor();
    await expect.poll(() => dialog.getByRole('checkbox', { name: /^coder/ }).isChecked(), { timeout: 30_000 }).toBe(true);
    for (const box of await dialog.getByRole('checkbox').all()) {
      const name = await box.evaluate((el) => el.closest('label')?.textContent ?? '');
      if (!/^coder/.test(name.trim()) && (await box.isChecked())) await box.uncheck();
    }
    await dialog.getByLabel('Label (optional)').fill('agents fix');
    await dialog.getByRole('button', { name: 'Start run' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const progress = app.page.getByTestId('run-progress').filter({ hasText: 'agents fix' });
    await expect.poll(() => progress.getByTestId('progress-text').first().textContent(), { timeout: 90_000 }).toBe('3 of 3 finished: 3 passed');

    // The task detail, opened by its link (#/tasks?task=ID) as other pages do.
    const runs = await api<{ runs: { run: { run_id: string; label: string | null } }[] }>(app.url, 'runs.list', { limit: 5 });
    const runId = runs.runs.find((r) => r.run.label === 'agents fix')?.run.run_id ?? '';
    const record = await api<{ tasks: { task_id: number; prompt_id: string }[] }>(app.url, 'runs.get', { run_id: runId });
    const taskId = record.tasks.find((t) => t.prompt_id === 'fix-test')?.task_id;
    await app.goto(`/tasks?task=${taskId}`);
    const detail = app.page.getByTestId('task-detail');
    await detail.waitFor();
    const check = detail.getByTestId('workspace-check');
    await expect.poll(() => check.textContent(), { timeout: 15_000 }).toBe('✓ the check `node test.js` passed (exit 0)');
    const files = detail.getByTestId('workspace-file');
    expect(await files.count()).toBe(1);
    await files.first().locator('summary').click();
    expect(await files.first().locator('summary').textContent()).toBe('math.js changed JavaScript');
    expect(await files.first().locator('.ws-line--add').allTextContents()).toContain('+  return a + b;\n');
    expect(await files.first().locator('.ws-line--del').allTextContents()).toContain('-  return a - b;\n');
    await checkBothThemes(app.page, 'task-detail-workspace');
  });

  it('Compare shows both workspaces and the files the agents touched differently', async () => {
    const first = await runToEnd(app.url, { pack: 'system', backends: ['coder'], label: 'fix again' }, 90_000);
    fs.writeFileSync(modeFile, 'break');
    const second = await runToEnd(app.url, { pack: 'system', backends: ['coder'], label: 'agents break' }, 90_000);
    await app.goto(`/compare?a=${first}&b=${second}`);
    await expect.poll(() => app.page.getByTestId('gate').getAttribute('data-pass'), { timeout: 30_000 }).toBe('false');
    await app.page.getByRole('button', { name: /^fix-test on coder:/ }).click();
    const detail = app.page.getByTestId('row-detail');
    await detail.waitFor();
    const tries = detail.getByTestId('try');
    await expect.poll(() => tries.count(), { timeout: 15_000 }).toBeGreaterThan(1);
    await tries.nth(1).click();
    const opened = detail.getByTestId('try-detail');
    await opened.waitFor();
    const touched = opened.getByTestId('touched-differently');
    await touched.waitFor();
    const text = (await touched.textContent()) ?? '';
    expect(text).toContain('math.js: both changed, differently');
    expect(text).toContain('test.js: B deleted only');
    expect(await opened.getByTestId('workspace-check').allTextContents()).toEqual(['✓ the check `node test.js` passed (exit 0)', expect.stringMatching(/^✗ the check `node test.js` exited with code 1/)]);
    await checkBothThemes(app.page, 'compare-workspaces');
    expect(app.errors).toEqual([]);
  });
});
