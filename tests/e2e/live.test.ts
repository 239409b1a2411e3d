/**
 * Live updates in Chromium: a task queued on the Tasks page is seen running and done without a
 * reload (events only); the hub the app uses is stopped (the header and Overview say so) and started
 * again (they recover by themselves). The hub is an external `mittelo hub` on the workspace's
 * database, which `mittelo serve --hub-port` uses instead of starting its own.
 */
import { describe, expect, it } from 'vitest';
import { freePort } from '../lock-helpers.js';
import { externalHub, screenshot, type Child, useApp } from './harness.js';

let hubPort = 0;
let hub: Child;

const app = useApp({
  prepare: (machine) => {
    machine.pack('smoke', [{ id: 'a', prompt: 'a' }]);
    machine.backend('slow', 'sleep 1.5; tr a-z A-Z');
    machine.config({ slow: { concurrency: 1 } });
  },
  serveArgs: async (machine) => {
    hubPort = await freePort();
    hub = await externalHub(machine, hubPort);
    return ['--hub-port', String(hubPort)];
  },
  open: '/tasks',
  stop: async () => {
    await hub?.stop();
  },
});

const badge = () => app.page.locator('.conn-badge');

describe('live updates', () => {
  it('shows a task queued on the Tasks page running and then done, without a reload', async () => {
    await expect.poll(() => badge().getAttribute('data-state'), { timeout: 15_000 }).toBe('online');
    await app.page.getByRole('button', { name: /New task/ }).click();
    const dialog = app.page.getByRole('dialog', { name: 'New task' });
    await dialog.getByLabel('Prompt').fill('shout e2e live task');
    await dialog.getByLabel(/Backend/).fill('slow');
    await dialog.getByRole('button', { name: 'Queue task' }).click();
    const row = app.page.getByTestId('task-table').getByRole('row').filter({ hasText: 'shout e2e live task' });
    await row.waitFor({ timeout: 15_000 });
    const taskId = (await row.getByRole('gridcell').first().textContent())?.trim();
    await expect.poll(() => app.page.locator('.tasks-summary__notice').textContent()).toBe(` · added task ${taskId}`);
    // Seen before it ends (queued or running), then done: the table follows the hub's events.
    await expect.poll(() => row.locator('.status').textContent(), { timeout: 15_000 }).toMatch(/queued|running/);
    await expect.poll(() => row.locator('.status').textContent(), { timeout: 30_000 }).toBe('done');
    // The confirmation goes after a few seconds; the row shows the task's state from then on.
    await expect.poll(() => app.page.locator('.tasks-summary__notice').count(), { timeout: 15_000 }).toBe(0);
    await screenshot(app.page, 'tasks');
  });

  it('says the hub is offline when it stops, and recovers when it is back', async () => {
    await app.goto('/');
    await app.page.getByTestId('hub-state').waitFor();
    await screenshot(app.page, 'overview');
    await hub.stop();
    // A short outage reads "reconnecting"; once it lasts (3 s) the app says OFFLINE, plainly.
    await expect.poll(() => badge().getAttribute('data-state'), { timeout: 30_000 }).toBe('offline');
    expect(await badge().textContent()).toBe('Hub OFFLINE');
    expect(await app.page.getByTestId('hub-state').textContent()).toMatch(/^Offline/);
    await screenshot(app.page, 'overview-offline');
    hub = await externalHub(app.machine, hubPort);
    await expect.poll(() => badge().getAttribute('data-state'), { timeout: 45_000 }).toBe('online');
    expect(await badge().textContent()).toBe('Hub ONLINE');
    expect(app.errors).toEqual([]);
  });
});
