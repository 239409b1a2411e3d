/**
 * System tests in the app, in Chromium against `mittelo serve`: "Start system test" starts the
 * shipped system pack in one click on the ready backend that edits files (a fake Claude Code that
 * edits its workdir like an agent: tests/fixtures/fake-cli/edit.mjs), shows its progress, and the
 * task detail shows the check and the workspace diff per file, its code coloured by language
 * (JavaScript, Python, TypeScript); "Options…" keeps the start dialog; Compare shows both workspaces
 * and the files touched differently. A machine where nothing can edit files is told what to install.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { repoRoot } from '../helpers.js';
import { api, checkBothThemes, FAKE_BIN, Machine, runToEnd, useApp } from './harness.js';

let modeFile: string;

/** The shipped example pack and its fixtures, as a new workspace gets them. */
function copySystemPack(target: Machine): void {
  fs.copyFileSync(path.join(repoRoot, 'packs', 'system.jsonl'), path.join(target.packsDir, 'system.jsonl'));
  fs.cpSync(path.join(repoRoot, 'packs', 'system'), path.join(target.packsDir, 'system'), { recursive: true });
}

/** Opens a changed file's section and waits for its diff (coloured on first opening). */
async function openFile(within: Locator, file: string) {
  const section = within.getByTestId('workspace-file').filter({ has: within.page().locator('summary code', { hasText: file }) });
  await section.locator('summary').click();
  await section.locator('.ws-diff').waitFor();
  return section;
}

describe('system tests in the app', () => {
  const app = useApp({
    prepare: (machine) => {
      copySystemPack(machine);
      modeFile = path.join(machine.root, 'coder-mode');
      fs.writeFileSync(modeFile, 'fix');
      // Claude Code as installed (the fake), editing its working directory as the mode file says.
      fs.writeFileSync(path.join(machine.bin, 'claude'), `#!/bin/sh\nFAKE_CLI_EDIT=$(cat '${modeFile}') exec '${process.execPath}' '${path.join(FAKE_BIN, 'claude')}' "$@"\n`, { mode: 0o755 });
      // A system test in other languages: the agent fixes calc.py and format.ts.
      const polyglot = path.join(machine.packsDir, 'polyglot');
      fs.mkdirSync(polyglot);
      fs.writeFileSync(path.join(polyglot, 'calc.py'), 'def total(xs):\n    # TODO\n    return 0\n');
      fs.writeFileSync(path.join(polyglot, 'format.ts'), 'export function money(n: number): string {\n  return String(n);\n}\n');
      machine.pack('languages', [{ id: 'py-ts', fixture: 'polyglot', check: 'grep -q toFixed format.ts', prompt: 'Make total() add up xs and money() show two decimals.' }]);
    },
    open: '/runs',
    timeoutMs: 120_000,
  });

  /** Opens task `taskId`'s detail by its link, as other pages do. */
  async function openTask(taskId: number | undefined) {
    await app.goto(`/tasks?task=${taskId}`);
    const detail = app.page.getByTestId('task-detail');
    await detail.waitFor();
    return detail;
  }

  it('"Start system test" starts the example pack in one click on the backend that can edit files and shows its progress', async () => {
    await app.page.getByRole('button', { name: 'Start system test' }).click();
    const status = app.page.getByTestId('system-test-status');
    await expect
      .poll(() => status.textContent(), { timeout: 60_000 })
      .toBe('System test started on claude_code: claude_code, the ready backend that can edit files. Its progress is below.');
    // No question asked: the dialog stayed closed.
    expect(await app.page.getByRole('dialog').count()).toBe(0);
    const progress = app.page.getByTestId('run-progress').filter({ hasText: 'system' });
    await expect.poll(() => progress.getByTestId('progress-text').first().textContent(), { timeout: 90_000 }).toBe('3 of 3 finished: 3 passed');

    const runs = await api<{ runs: { run: { run_id: string; pack_name: string; backends: string[]; preset: string } }[] }>(app.url, 'runs.list', { limit: 5 });
    expect(runs.runs.map((r) => r.run)).toMatchObject([{ pack_name: 'system', backends: ['claude_code'], preset: 'system-test' }]);
    const record = await api<{ tasks: { task_id: number; prompt_id: string; artifact: { tool_policy: string } | null }[] }>(app.url, 'runs.get', { run_id: runs.runs[0]?.run.run_id });
    expect(record.tasks.map((t) => t.artifact?.tool_policy)).toEqual(['workspace-write', 'workspace-write', 'workspace-write']);

    const detail = await openTask(record.tasks.find((t) => t.prompt_id === 'fix-test')?.task_id);
    const check = detail.getByTestId('workspace-check');
    await expect.poll(() => check.textContent(), { timeout: 15_000 }).toBe('✓ the check `node test.js` passed (exit 0)');
    expect(await detail.getByTestId('workspace-file').count()).toBe(1);
    // How the agent was kept inside its workdir (a mount namespace where the machine allows one).
    expect(await detail.getByTestId('workspace-isolation').textContent()).toMatch(/^(Contained: the agent could write only its workdir|Not contained here: writes outside the workdir are found after the task)( \(.+\))?\.$/);
    const math = await openFile(detail, 'math.js');
    expect(await math.locator('summary').textContent()).toBe('math.js changed JavaScript');
    expect(await math.locator('.ws-line--add').allTextContents()).toContain('+  return a + b;\n');
    expect(await math.locator('.ws-line--del').allTextContents()).toContain('-  return a - b;\n');
    // The code is coloured on the added and removed lines alike, the +/- sign kept.
    expect(await math.locator('.ws-line--add .hljs-keyword').allTextContents()).toEqual(['return']);
    expect(await math.locator('.ws-line--del .hljs-keyword').allTextContents()).toEqual(['return']);
    expect(await math.locator('.ws-line--add .ws-sign').allTextContents()).toEqual(['+']);
    await checkBothThemes(app.page, 'task-detail-workspace');
  });

  it('"Options…" keeps the start dialog reachable, on the system pack', async () => {
    await app.goto('/runs');
    await app.page.getByRole('button', { name: 'System test options…' }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Start a system test' });
    await dialog.waitFor();
    await expect.poll(() => dialog.getByLabel('Pack of prompts').inputValue(), { timeout: 30_000 }).toBe('system');
    await dialog.getByTestId('system-pack-help').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('colours a Python and a TypeScript file of a real run’s workspace diff by their language', async () => {
    const runId = await runToEnd(app.url, { pack: 'languages', backends: ['claude_code'], label: 'languages' }, 90_000);
    const record = await api<{ tasks: { task_id: number }[] }>(app.url, 'runs.get', { run_id: runId });
    const detail = await openTask(record.tasks[0]?.task_id);
    await expect.poll(() => detail.getByTestId('workspace-check').textContent(), { timeout: 15_000 }).toBe('✓ the check `grep -q toFixed format.ts` passed (exit 0)');

    const python = await openFile(detail, 'calc.py');
    expect(await python.locator('summary').textContent()).toBe('calc.py changed Python');
    expect(await python.locator('pre').getAttribute('data-language')).toBe('python');
    expect(await python.locator('.ws-line--add .hljs-string').allTextContents()).toEqual(['"""Add the numbers up."""']);
    expect(await python.locator('.ws-line--add .hljs-built_in').allTextContents()).toEqual(['sum']);
    expect(await python.locator('.ws-line--del .hljs-number').allTextContents()).toEqual(['0']);
    expect(await python.locator('.ws-line .hljs-comment').allTextContents()).toEqual(['# TODO']);
    expect(await python.locator('.ws-line .hljs-keyword').allTextContents()).toEqual(expect.arrayContaining(['def', 'return']));

    const typescript = await openFile(detail, 'format.ts');
    expect(await typescript.locator('summary').textContent()).toBe('format.ts changed TypeScript');
    expect(await typescript.locator('pre').getAttribute('data-language')).toBe('typescript');
    expect(await typescript.locator('.ws-line--add .hljs-keyword').allTextContents()).toEqual(['return']);
    expect(await typescript.locator('.ws-line--add .hljs-number').allTextContents()).toEqual(['2']);
    expect(await typescript.locator('.ws-line--del .hljs-title').allTextContents()).toEqual(['String']);
    expect(await typescript.locator('.ws-line .hljs-keyword').allTextContents()).toEqual(expect.arrayContaining(['export', 'function']));
    // Coloured text stays readable on the added and removed lines' tints, in both themes.
    await checkBothThemes(app.page, 'task-detail-workspace-languages');
  });

  it('Compare shows both workspaces, coloured, and the files the agents touched differently', async () => {
    const first = await runToEnd(app.url, { pack: 'system', backends: ['claude_code'], label: 'fix again' }, 90_000);
    fs.writeFileSync(modeFile, 'break');
    const second = await runToEnd(app.url, { pack: 'system', backends: ['claude_code'], label: 'agents break' }, 90_000);
    await app.goto(`/compare?a=${first}&b=${second}`);
    await expect.poll(() => app.page.getByTestId('gate').getAttribute('data-pass'), { timeout: 30_000 }).toBe('false');
    await app.page.getByRole('button', { name: /^fix-test on claude_code:/ }).click();
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
    const sides = opened.getByRole('region', { name: /^Workspace [AB]:/ });
    expect(await sides.count()).toBe(2);
    const broken = await openFile(sides.nth(1), 'math.js');
    expect(await broken.locator('.ws-line--add').allTextContents()).toContain('+  return a * b;\n');
    expect(await broken.locator('.ws-line--add .hljs-keyword').allTextContents()).toEqual(['return']);
    await checkBothThemes(app.page, 'compare-workspaces');
    expect(app.errors).toEqual([]);
  });

  it('asks, in the start dialog, when the backend of the last system test is not ready any more', async () => {
    fs.rmSync(path.join(app.machine.bin, 'claude'));
    app.machine.backend('coder', 'cat >/dev/null\necho edited');
    // A settings change makes the app check its backends afresh (they are cached for 30 s otherwise).
    await api(app.url, 'backends.configure', { name: 'claude_code', concurrency: 2 });
    await app.goto('/runs');
    await app.page.getByRole('button', { name: 'Start system test' }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Start a system test' });
    await dialog.waitFor({ timeout: 60_000 });
    expect(await dialog.getByTestId('start-note').textContent()).toMatch(/^Your last system test ran on claude_code, but claude_code \(claude not found on PATH.*\) is not ready now\. Choose the backends to run it on\.$/);
    await expect.poll(() => dialog.getByLabel('Pack of prompts').inputValue(), { timeout: 30_000 }).toBe('system');
    await expect.poll(() => dialog.getByRole('checkbox', { name: /^coder/ }).isChecked(), { timeout: 30_000 }).toBe(true);
    expect(await dialog.getByRole('checkbox', { name: /^claude_code/ }).isChecked()).toBe(false);
    expect(await dialog.getByRole('checkbox', { name: /^echo/ }).isChecked()).toBe(false);
    const before = (await api<{ runs: unknown[] }>(app.url, 'runs.list', {})).runs.length;
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    // Nothing was started behind the question.
    expect((await api<{ runs: unknown[] }>(app.url, 'runs.list', {})).runs.length).toBe(before);
  });
});

describe('one-click system test where nothing can edit files', () => {
  const bare = useApp({ prepare: copySystemPack, open: '/runs' });

  it('says so, naming what to install, instead of starting a run that cannot pass', async () => {
    await bare.page.getByRole('button', { name: 'Start system test' }).click();
    const blocked = bare.page.getByTestId('system-test-blocked');
    await blocked.waitFor({ timeout: 60_000 });
    const text = (await blocked.textContent()) ?? '';
    expect(text).toContain('No backend that can edit files is ready here');
    expect(text).toContain('npm install -g @anthropic-ai/claude-code');
    expect(text).toContain('or add a folder backend on the Backends page');
    expect(await blocked.getByRole('link', { name: 'Open Backends' }).getAttribute('href')).toBe('#/backends');
    expect((await api<{ runs: unknown[] }>(bare.url, 'runs.list', {})).runs).toEqual([]);
    await checkBothThemes(bare.page, 'system-test-nothing-ready');
    // The dialog is still there for whoever wants to pick by hand.
    await blocked.getByRole('button', { name: 'Options…' }).click();
    await bare.page.getByRole('dialog', { name: 'Start a system test' }).waitFor();
    expect(bare.errors).toEqual([]);
  });
});
