/**
 * The task detail in Chromium against `mittelo serve`: a task that waits because no agent serves
 * its backend says so and starts one; a failed task of a finished run shows its error (no empty
 * Result), its run by label, and its retry as attempt 2 while the run's record stays as it was;
 * Esc closes the panel; the header keeps to its columns when the table scrolls sideways.
 */
import { describe, expect, it } from 'vitest';
import { api, checkBothThemes, runToEnd, useApp } from './harness.js';


interface RunSummary {
  run: { run_id: string; finished_at: number | null; created_at: number };
  rollups: { backend: string | null; done: number; failed: number; queued: number; latency_ms: { p50: number | null } }[];
}

const app = useApp({
  prepare: (machine) => {
    machine.pack('breaks', [{ id: 'b1', prompt: 'break please' }]);
    machine.backend('broken', 'echo "the tool broke" >&2; exit 3');
  },
  open: '/tasks',
});

const detail = () => app.page.getByTestId('task-detail');

async function openTask(taskId: number): Promise<void> {
  await app.goto(`/tasks?task=${taskId}`);
  await detail().getByRole('heading', { name: `Task ${taskId}` }).waitFor();
}

describe('the task detail', () => {
  it('says that no agent serves echo for a task queued by hand, and starts one from there', async () => {
    const { task_id } = await api<{ task_id: number }>(app.url, 'tasks.enqueue', { prompt: 'hello there', backend: 'echo' });
    await openTask(task_id);
    const notice = detail().getByTestId('wait-notice');
    await expect.poll(() => notice.textContent(), { timeout: 15_000 }).toContain('No agent serves echo');
    await checkBothThemes(app.page, 'task-waiting-no-agent');
    await notice.getByRole('button', { name: 'Start agent for echo' }).click();
    await expect.poll(() => detail().getByTestId('task-result').textContent(), { timeout: 30_000 }).toBe('echo:hello there');
    expect(await detail().getByTestId('wait-notice').count()).toBe(0);
  });

  it('says the app cannot start an agent for a backend it does not know', async () => {
    const { task_id } = await api<{ task_id: number }>(app.url, 'tasks.enqueue', { prompt: 'for nobody', backend: 'nosuch_backend' });
    await openTask(task_id);
    const notice = detail().getByTestId('wait-notice');
    await expect.poll(() => notice.textContent(), { timeout: 15_000 }).toContain('No agent serves nosuch_backend');
    expect(await notice.textContent()).toContain('cannot start one');
    expect(await notice.getByRole('button').count()).toBe(0);
    await api(app.url, 'tasks.cancel', { task_id });
  });

  it('shows a failed task of a run by its label, its error without an empty Result, and a retry as attempt 2 that leaves the run as it was', async () => {
    const runId = await runToEnd(app.url, { pack: 'breaks', backends: ['broken'], label: 'breaking run' });
    const before = await api<{ runs: RunSummary[] }>(app.url, 'runs.list', {});
    const summary = before.runs.find((r) => r.run.run_id === runId);
    expect(summary?.rollups[0]).toMatchObject({ failed: 1, done: 0 });
    const record = await api<{ tasks: { task_id: number }[] }>(app.url, 'runs.get', { run_id: runId });
    const taskId = record.tasks[0]?.task_id ?? 0;

    await openTask(taskId);
    const row = app.page.getByTestId('task-table').locator(`#task-row-${taskId}`);
    await expect.poll(() => row.getByRole('gridcell').nth(3).textContent()).toBe('breaking run');
    await expect.poll(() => detail().textContent()).toContain('the tool broke');
    expect(await detail().getByRole('heading', { name: 'Result' }).count()).toBe(0);
    expect(await detail().getByRole('heading', { name: 'Error' }).count()).toBe(1);
    expect(await detail().textContent()).toContain('breaking run');

    await detail().getByRole('button', { name: 'Retry' }).click();
    const attempts = detail().getByTestId('earlier-attempts');
    await expect.poll(() => attempts.textContent(), { timeout: 15_000 }).toContain('Attempt 2: a retry after its run ended');
    expect(await attempts.textContent()).toContain(`Run ${runId} keeps attempt 1`);
    // The run's agent is gone with the run: the retry waits, and the detail says why.
    await expect.poll(() => detail().getByTestId('wait-notice').textContent(), { timeout: 15_000 }).toContain('No agent serves broken');
    await checkBothThemes(app.page, 'task-retry-attempt-2');
    const after = await api<{ runs: RunSummary[] }>(app.url, 'runs.list', {});
    expect(after.runs.find((r) => r.run.run_id === runId)).toEqual(summary);
    await api(app.url, 'tasks.cancel', { task_id: taskId });
    const cancelled = await api<{ runs: RunSummary[] }>(app.url, 'runs.list', {});
    expect(cancelled.runs.find((r) => r.run.run_id === runId)).toEqual(summary);
  });

  it('closes the detail panel with Esc, from the panel and from the table', async () => {
    const rows = app.page.getByTestId('task-table').locator('[role="row"]:not(.task-row--head)');
    await rows.first().click();
    await detail().waitFor();
    await detail().focus();
    await app.page.keyboard.press('Escape');
    await detail().waitFor({ state: 'detached' });
    await rows.first().click();
    await detail().waitFor();
    await app.page.getByTestId('task-table').focus();
    await app.page.keyboard.press('Escape');
    await detail().waitFor({ state: 'detached' });
    expect(new URL(app.page.url().replace('#/', '')).searchParams.get('task')).toBeNull();
  });

  it('keeps the header over its columns when the table scrolls sideways', async () => {
    await app.page.setViewportSize({ width: 640, height: 800 });
    const table = app.page.getByTestId('task-table');
    await table.evaluate((el) => (el.scrollLeft = 150));
    await expect.poll(() => table.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
    const head = await table.getByRole('columnheader', { name: 'Prompt' }).boundingBox();
    const cell = await table.locator('[role="row"]:not(.task-row--head)').first().getByRole('gridcell').last().boundingBox();
    expect(Math.abs((head?.x ?? 0) - (cell?.x ?? 1000))).toBeLessThan(2);
    await app.page.setViewportSize({ width: 1360, height: 900 });
    expect(app.errors).toEqual([]);
  });
});
