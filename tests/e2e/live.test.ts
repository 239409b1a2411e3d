/**
 * Live updates in Chromium: a task queued on the Tasks page is seen running and done without a
 * reload (events only); the hub the app uses is stopped (the header and Overview say so) and started
 * again (they recover by themselves). The hub is an external `mittelo hub` on the workspace's
 * database, which `mittelo serve --hub-port` uses instead of starting its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { freePort } from '../lock-helpers.js';
import { externalHub, launchChromium, Machine, openApp, screenshot, serve, type Child } from './harness.js';

let machine: Machine;
let hubPort = 0;
let hub: Child;
let server: { proc: Child; url: string };
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  machine = new Machine();
  machine.pack('smoke', [{ id: 'a', prompt: 'a' }]);
  machine.backend('slow', 'sleep 1.5; tr a-z A-Z');
  machine.config({ slow: { concurrency: 1 } });
  hubPort = await freePort();
  hub = await externalHub(machine, hubPort);
  server = await serve(machine, ['--hub-port', String(hubPort)]);
  browser = await launchChromium();
  ({ page, errors } = await openApp(browser, server.url, '/tasks'));
});

afterAll(async () => {
  await browser?.close();
  await server?.proc.stop();
  await hub?.stop();
  machine?.remove();
});

const badge = () => page.locator('.conn-badge');

describe('live updates', () => {
  it('shows a task queued on the Tasks page running and then done, without a reload', async () => {
    await expect.poll(() => badge().getAttribute('data-state'), { timeout: 15_000 }).toBe('online');
    await page.getByRole('button', { name: /New task/ }).click();
    const dialog = page.getByRole('dialog', { name: 'New task' });
    await dialog.getByLabel('Prompt').fill('shout e2e live task');
    await dialog.getByLabel(/Backend/).fill('slow');
    await dialog.getByRole('button', { name: 'Queue task' }).click();
    const row = page.getByTestId('task-table').getByRole('row').filter({ hasText: 'shout e2e live task' });
    await row.waitFor({ timeout: 15_000 });
    const taskId = (await row.getByRole('gridcell').first().textContent())?.trim();
    await expect.poll(() => page.locator('.tasks-summary__notice').textContent()).toBe(` · added task ${taskId}`);
    // Seen before it ends (queued or running), then done: the table follows the hub's events.
    await expect.poll(() => row.locator('.status').textContent(), { timeout: 15_000 }).toMatch(/queued|running/);
    await expect.poll(() => row.locator('.status').textContent(), { timeout: 30_000 }).toBe('done');
    // The confirmation goes after a few seconds; the row shows the task's state from then on.
    await expect.poll(() => page.locator('.tasks-summary__notice').count(), { timeout: 15_000 }).toBe(0);
    await screenshot(page, 'tasks');
  });

  it('says the hub is offline when it stops, and recovers when it is back', async () => {
    await page.goto(`${server.url.replace(/\/?$/, '/')}#/`);
    await page.getByTestId('hub-state').waitFor();
    await screenshot(page, 'overview');
    await hub.stop();
    // A short outage reads "reconnecting"; once it lasts (3 s) the app says OFFLINE, plainly.
    await expect.poll(() => badge().getAttribute('data-state'), { timeout: 30_000 }).toBe('offline');
    expect(await badge().textContent()).toBe('Hub OFFLINE');
    expect(await page.getByTestId('hub-state').textContent()).toMatch(/^Offline/);
    await screenshot(page, 'overview-offline');
    hub = await externalHub(machine, hubPort);
    await expect.poll(() => badge().getAttribute('data-state'), { timeout: 45_000 }).toBe('online');
    expect(await badge().textContent()).toBe('Hub ONLINE');
    expect(errors).toEqual([]);
  });
});
