/**
 * Rehearsing an upgrade on the Version lock page in Chromium, with no npm: the locked fake Claude
 * Code ran the pack as its baseline; a candidate program on disk that answers wrongly regresses the
 * pack (Breaks, no "Write lock"), one that answers like the locked version is safe, and writing the
 * lock then pins its version while the page says this machine still has to install it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { api, checkBothThemes, runToEnd, useApp } from './harness.js';
import { fakeClaudeCandidate } from '../lock-helpers.js';

let baselineRun = '';

function candidate(name: string, version: string, vars: Record<string, string> = {}): string {
  return fakeClaudeCandidate(path.join(app.machine.root, 'candidates', name), version, vars);
}

const app = useApp({
  clis: ['claude'],
  prepare: (machine) => {
    machine.pack('greetings', [
      { id: 'greet', prompt: 'say hello', expect: { contains: 'hello' } },
      { id: 'count', prompt: 'count to three', expect: { contains: 'three' } },
    ]);
  },
  ready: async ({ url }) => {
    await api(url, 'lock.write', { confirm: true });
    baselineRun = await runToEnd(url, { pack: 'greetings', backends: ['claude_code'] });
    await api(url, 'runs.baseline', { run_id: baselineRun });
  },
  open: '/lock',
  timeoutMs: 120_000,
});

const report = (cli: string) => app.page.locator(`[data-testid="upgrade-report"][data-cli="${cli}"]`);

async function rehearse(program: string): Promise<void> {
  const section = app.page.getByTestId('upgrade-rehearsal');
  if (!(await section.getByLabel('Path to the candidate program').isVisible())) await section.getByText('Rehearse a program on disk').click();
  await section.getByLabel('Path to the candidate program').fill(program);
  await section.getByRole('button', { name: 'Rehearse claude_code' }).click();
  // A path is a program the app will run: it asks first.
  const ask = app.page.getByRole('dialog', { name: 'Run this program as claude_code?' });
  await expect.poll(() => ask.isVisible()).toBe(true);
  expect(await ask.textContent()).toContain(program);
  await ask.getByRole('button', { name: 'Run it' }).click();
}

describe('rehearsing an upgrade on the Version lock page', () => {
  it('a candidate that regresses the baseline pack breaks, with each prompt and no way to write the lock', async () => {
    await app.page.getByRole('button', { name: 'Rehearse claude_code' }).waitFor({ timeout: 30_000 });
    await rehearse(candidate('bad', '2.1.400', { FAKE_CLI_ANSWER: 'goodbye' }));
    // Progress shows while it runs, then the report.
    await expect.poll(() => app.page.getByTestId('upgrade-job').getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    expect(await app.page.getByTestId('upgrade-log').textContent()).toContain('running the pack with 2.1.400');
    const card = report('claude_code');
    expect(await card.getAttribute('data-verdict')).toBe('breaks');
    const text = (await card.textContent()) ?? '';
    expect(text).toContain('claude_code 2.1.197 → 2.1.400');
    expect(text).toContain('Breaks');
    expect(text).toContain('greet on claude_code: passed 1/1 (100%) in A, 0/1 (0%) in B');
    expect(text).toContain('Regressed against the baseline');
    expect(text).toContain('0 of 2 passed · 2 prompts regressed');
    expect(text).toContain(`Baseline run ${baselineRun}`);
    expect(await card.getByRole('button', { name: /Write lock/ }).count()).toBe(0);
    await checkBothThemes(app.page, 'lock-upgrade-breaks');
  }, 120_000);

  it('a safe candidate can be pinned; the page says it is not installed here and the table shows the drift', async () => {
    await rehearse(candidate('good', '2.1.332'));
    await expect.poll(() => report('claude_code').getAttribute('data-verdict'), { timeout: 60_000 }).toBe('safe');
    const card = report('claude_code');
    expect(await card.textContent()).toContain('Safe to upgrade');
    expect(await card.getByTestId('pack-result').getAttribute('data-verdict')).toBe('pass');
    expect(await card.textContent()).toContain('2 of 2 passed · 0 prompts regressed');
    await card.getByRole('button', { name: 'Write lock with claude_code 2.1.332' }).click();
    const ask = app.page.getByRole('dialog', { name: 'Pin claude_code 2.1.332 in the lock?' });
    await expect.poll(() => ask.isVisible()).toBe(true);
    expect(await ask.textContent()).toContain('did not install it for you');
    expect(await ask.textContent()).toContain('npm install -g @anthropic-ai/claude-code@2.1.332');
    await ask.getByRole('button', { name: 'Write the lock' }).click();
    await expect.poll(() => app.page.getByTestId('adopted').isVisible(), { timeout: 15_000 }).toBe(true);
    // Pinned: the button is gone (writing it again would be a no-op the lock refuses).
    expect(await card.getByRole('button', { name: /Write lock/ }).count()).toBe(0);
    expect(await app.page.getByTestId('adopted').textContent()).toContain('The lock now pins claude_code 2.1.332');
    const lock = JSON.parse(fs.readFileSync(app.machine.lockFile, 'utf8')) as { clis: { name: string; version: string }[] };
    expect(lock.clis.find((e) => e.name === 'claude_code')?.version).toBe('2.1.332');
    // This machine still runs 2.1.197: the drift table says so once it is checked again.
    await expect.poll(() => app.page.locator('[data-testid="lock-row"]').first().getAttribute('data-status'), { timeout: 30_000 }).toBe('older');
    await checkBothThemes(app.page, 'lock-upgrade-adopted');
    expect(app.errors).toEqual([]);
  }, 120_000);

  it('the contract refuses a candidate path without the confirmation, and pinning a rehearsal that breaks', async () => {
    await expect(api(app.url, 'lock.upgradeCheck.start', { backends: ['claude_code'], candidate_path: '/bin/true' })).rejects.toThrow('confirm it first');
    await expect(api(app.url, 'lock.upgradeCheck.status', { job_id: 'not-a-uuid' })).rejects.toThrow('job_id');
    // The lock back at this machine's 2.1.197; a candidate that regresses the pack cannot be pinned.
    await api(app.url, 'lock.write', { confirm: true });
    const bad = candidate('bad', '2.1.400', { FAKE_CLI_ANSWER: 'goodbye' });
    const { job } = await api<{ job: { job_id: string } }>(app.url, 'lock.upgradeCheck.start', { backends: ['claude_code'], candidate_path: bad, confirm_candidate_path: true });
    type Job = { job: { state: string; reports: { verdict: string; pack: { verdict: string } | null }[] | null } };
    await expect.poll(async () => (await api<Job>(app.url, 'lock.upgradeCheck.status', { job_id: job.job_id })).job.state, { timeout: 60_000 }).toBe('done');
    const [rehearsed] = (await api<Job>(app.url, 'lock.upgradeCheck.status', { job_id: job.job_id })).job.reports ?? [];
    expect(rehearsed).toMatchObject({ verdict: 'breaks', pack: { verdict: 'regressed' } });
    await expect(api(app.url, 'lock.adopt', { job_id: job.job_id, cli: 'claude_code', confirm: true })).rejects.toThrow('cannot be pinned');
    expect((JSON.parse(fs.readFileSync(app.machine.lockFile, 'utf8')) as { clis: { version: string }[] }).clis[0]?.version).toBe('2.1.197');
  }, 120_000);
});
