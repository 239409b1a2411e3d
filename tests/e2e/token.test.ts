/**
 * Browser mode's token in real Chromium: the printed address carries it once, the server swaps it
 * for an HttpOnly SameSite=Strict cookie and strips it from the address bar, the page works on the
 * cookie alone, and a browser without it (another profile, a web page elsewhere) gets nothing.
 */
import http from 'node:http';
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { tokenOf, useApp } from './harness.js';

const app = useApp({ serveArgs: ['--no-agents'] });

describe('browser mode token', () => {
  it('the printed URL sets an HttpOnly, SameSite=Strict cookie, leaves no token in the address, and the page is online', async () => {
    const context = await app.browser.newContext();
    const page = await context.newPage();
    await page.goto(app.server.printedUrl);
    expect(page.url()).toBe(app.url);
    expect(page.url()).not.toContain('token');
    const cookies = await context.cookies(app.url);
    expect(cookies).toEqual([expect.objectContaining({ name: 'mittelo_token', value: tokenOf(app.url), httpOnly: true, sameSite: 'Strict' })]);
    // HttpOnly: the page's own scripts (and anything injected into it) cannot read the token.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await expect.poll(() => page.evaluate(async () => (await (await fetch('api/call/hub.status', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { ok: boolean; result?: { online: boolean } }), { timeout: 20_000 }).toMatchObject({ ok: true, result: { online: true } });
    // Reloading without the token in the address keeps working: the cookie is the session.
    await page.goto(`${app.url}#/tasks`);
    await page.reload();
    expect(await page.locator('body').innerText()).not.toContain('Open the address');
    await context.close();
  });

  it('a browser without the cookie sees the "open the printed address" page and cannot call the API', async () => {
    const context = await app.browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(app.url);
    expect(response?.status()).toBe(401);
    expect(await page.locator('body').innerText()).toContain('Open the address');
    const answer = await page.evaluate(async () => {
      const r = await fetch('api/call/hub.status', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      return r.status;
    });
    expect(answer).toBe(401);
    await context.close();
  });

  it('a wrong token in the address is refused and sets no cookie', async () => {
    const context = await app.browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${app.url}?token=not-the-token`);
    expect(response?.status()).toBe(401);
    expect(await context.cookies(app.url)).toEqual([]);
    await context.close();
  });

  it('a page from another origin cannot use the app even when the user holds the cookie (content type, CORS preflight, Origin)', async () => {
    // The attacker's page: another port of 127.0.0.1 is another origin, yet the same site, so even a
    // SameSite=Strict cookie goes along; the server refuses non-JSON posts and foreign Origins.
    const evil = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>evil</title><p>hello');
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const context = await app.browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(app.server.printedUrl);
      await page.goto(`http://127.0.0.1:${(evil.address() as net.AddressInfo).port}/`);
      const outcome = await page.evaluate(async (target) => {
        const attempts = [
          fetch(`${target}api/call/tasks.enqueue`, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{"prompt":"from another site"}' }),
          fetch(`${target}api/call/tasks.enqueue`, { method: 'POST', mode: 'cors', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{"prompt":"from another site"}' }),
        ];
        return Promise.all(attempts.map((a) => a.then((r) => r.type, (err: unknown) => String(err))));
      }, app.url);
      // An opaque answer or a blocked one (CORP, CORS): the page reads nothing either way; the request
      // itself still reached the server, which must not have acted on it.
      for (const type of outcome) expect(type).toMatch(/^(opaque|TypeError.*)$/);
      const tasks = (await (await fetch(`${app.url}api/call/tasks.rows`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenOf(app.url)}` }, body: '{}' })).json()) as { result: { rows: unknown[] } };
      expect(tasks.result.rows).toEqual([]);
    } finally {
      await context.close();
      evil.close();
    }
  });
});
