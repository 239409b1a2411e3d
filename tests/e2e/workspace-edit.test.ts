/**
 * Making packs and folder backends from the app in Chromium: a new pack is checked as a whole (a
 * bad line is named, nothing is written) and then saved; an existing pack is edited; a folder
 * backend is created from a script and runs prompts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { api, checkBothThemes, runToEnd, useApp } from './harness.js';


const app = useApp({
  prepare: (machine) => machine.pack('smoke', [{ id: 'a', prompt: 'say a' }]),
  open: '/runs',
});

describe('packs from the app', () => {
  it('refuses a pack with a bad line, naming it, then saves the fixed one', async () => {
    await app.page.getByRole('button', { name: 'New pack…' }).click();
    const dialog = app.page.getByRole('dialog', { name: 'New pack' });
    await dialog.getByLabel(/^Name/).fill('greetings');
    await dialog.getByLabel(/^Prompts/).fill('{"id": "hi", "prompt": "Say hi"}\n{"id": "bad", "prompt": ""}\n');
    await dialog.getByRole('button', { name: 'Save pack' }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toMatch(/greetings\.jsonl:2/i);
    expect(fs.existsSync(path.join(app.machine.packsDir, 'greetings.jsonl'))).toBe(false);
    await checkBothThemes(app.page, 'pack-editor-error');
    await dialog.getByLabel(/^Prompts/).fill('{"id": "hi", "prompt": "Say hi"}\n{"id": "bye", "prompt": "Say bye"}\n');
    await dialog.getByRole('button', { name: 'Save pack' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await app.page.getByRole('button', { name: 'Edit greetings (2)' }).waitFor();
    expect(fs.readFileSync(path.join(app.machine.packsDir, 'greetings.jsonl'), 'utf8')).toContain('"Say bye"');
  });

  it('edits an existing pack and refuses to create one over it', async () => {
    await app.page.getByRole('button', { name: 'Edit smoke (1)' }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Edit pack smoke' });
    await expect.poll(() => dialog.getByLabel(/^Prompts/).inputValue()).toContain('say a');
    expect(await dialog.getByLabel(/^Name/).isDisabled()).toBe(true);
    await dialog.getByLabel(/^Prompts/).fill('{"id": "a", "prompt": "say a"}\n{"id": "b", "prompt": "say b"}\n');
    await dialog.getByRole('button', { name: 'Save pack' }).click();
    await app.page.getByRole('button', { name: 'Edit smoke (2)' }).waitFor();
    await expect(api(app.url, 'packs.save', { name: 'smoke', text: '{"prompt": "x"}', create: true })).rejects.toThrow(/exists already/);
  });
});

describe('folder backends from the app', () => {
  it('creates one from a script; it is ready and answers prompts', async () => {
    await app.goto('/backends');
    await app.page.getByRole('button', { name: 'New folder backend…' }).click();
    const dialog = app.page.getByRole('dialog', { name: 'New folder backend' });
    await dialog.getByLabel(/^Name/).fill('echo');
    await dialog.getByRole('button', { name: 'Create backend' }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('exists already');
    await dialog.getByLabel(/^Name/).fill('shouter');
    await dialog.getByRole('button', { name: 'Create backend' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const card = app.page.locator('[data-testid="backend"][data-backend="shouter"]');
    await expect.poll(() => card.locator('h2').first().textContent(), { timeout: 30_000 }).toContain('Ready');
    expect(fs.statSync(path.join(app.machine.backendsDir, 'shouter', 'run')).mode & 0o111).not.toBe(0);
    const runId = await runToEnd(app.url, { pack: 'greetings', backends: ['shouter'] });
    const record = await api<{ tasks: { result: string | null }[] }>(app.url, 'runs.get', { run_id: runId });
    expect(record.tasks.map((t) => t.result).sort()).toEqual(['SAY BYE', 'SAY HI']);
    expect(app.errors).toEqual([]);
  });
});
