/**
 * Browser-mode end-to-end plumbing: a made-up machine (temp workspace with packs, folder backends
 * and config; a bin folder of fake CLIs; its own HOME and config dir), `mittelo serve` on it as a
 * child process, and Debian's Chromium driven by playwright-core (never a downloaded browser).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { lowContrast } from './contrast.js';
import { listDrivers } from '../../drivers/registry.js';
import { cliPath, repoRoot, tempDir } from '../helpers.js';

export const FAKE_BIN = path.join(repoRoot, 'tests', 'fixtures', 'bin');
export const SCREENSHOTS = path.join(repoRoot, 'test-results', 'screenshots');
export const CHROMIUM = process.env.MITTELO_E2E_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Every credential variable any driver reads, blanked, so the host's keys never reach a fake. */
const NO_CREDENTIALS = Object.fromEntries(listDrivers().flatMap((d) => d.authHints.env).map((name) => [name, '']));

export class Machine {
  readonly root = tempDir('mittelo-e2e-');
  readonly bin = path.join(this.root, 'bin');
  readonly home = path.join(this.root, 'home');
  readonly workspace = path.join(this.root, 'workspace');
  readonly backendsDir = path.join(this.workspace, 'backends');
  readonly packsDir = path.join(this.workspace, 'packs');

  /** `clis`: fake vendor CLIs (file names in tests/fixtures/bin) installed on this machine. */
  constructor(clis: string[] = []) {
    for (const dir of [this.bin, this.home, this.backendsDir, this.packsDir, path.join(this.root, 'config'), path.join(this.root, 'npm')]) fs.mkdirSync(dir, { recursive: true });
    for (const cli of clis) fs.symlinkSync(path.join(FAKE_BIN, cli), path.join(this.bin, cli));
  }

  pack(name: string, entries: object[]): void {
    fs.writeFileSync(path.join(this.packsDir, `${name}.jsonl`), entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }

  /** A folder backend `<name>/run` with this shell body (prompt on stdin, answer on stdout). */
  backend(name: string, body: string): void {
    fs.mkdirSync(path.join(this.backendsDir, name), { recursive: true });
    fs.writeFileSync(path.join(this.backendsDir, name, 'run'), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }

  config(backends: Record<string, object>): void {
    fs.writeFileSync(path.join(this.workspace, 'mittelo.config.json'), JSON.stringify({ backends }, null, 2));
  }

  get lockFile(): string {
    return path.join(this.workspace, 'mittelo.lock.json');
  }

  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...NO_CREDENTIALS,
      HOME: this.home,
      XDG_CONFIG_HOME: path.join(this.root, 'config'),
      PATH: [this.bin, path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter),
      SHELL: '',
      npm_config_prefix: path.join(this.root, 'npm'),
      NVM_DIR: path.join(this.home, '.nvm'),
      FNM_DIR: '',
      FNM_MULTISHELL_PATH: '',
      MITTELO_BACKENDS_DIR: this.backendsDir,
      MITTELO_SUBPROCESS_HOME: '',
      MITTELO_DB: '',
      MITTELO_HOST: '',
      MITTELO_PORT: '',
      MITTELO_TOKEN: '',
      MITTELO_SERVE_TOKEN: '',
    };
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** A child process that prints a line matching `ready` on stdout once it listens. */
export class Child {
  private stderr = '';
  private constructor(readonly child: ChildProcess) {
    child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-20_000)));
  }

  static start(args: string[], machine: Machine, ready: RegExp, timeoutMs = 30_000): Promise<{ proc: Child; match: RegExpExecArray }> {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: machine.workspace, env: machine.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = new Child(child);
    let stdout = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`mittelo ${args[0]} did not start in ${timeoutMs} ms: ${proc.stderr}`)), timeoutMs);
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        const match = ready.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve({ proc, match });
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`mittelo ${args[0]} exited with ${code} before it was ready: ${proc.stderr}`));
      });
    });
  }

  get log(): string {
    return this.stderr;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

/** The token each served app printed in its URL, by the app's base URL (`url` below has none). */
const tokens = new Map<string, string>();

function baseOf(url: string): string {
  return url.replace(/[#?].*$/, '').replace(/\/?$/, '/');
}

/** The token of the app at `url`, as its printed URL carried it. */
export function tokenOf(url: string): string {
  const token = tokens.get(baseOf(url));
  if (!token) throw new Error(`no token known for ${url}: start the app with serve()`);
  return token;
}

/**
 * `mittelo serve` on the machine's workspace; resolves with its base URL (without the `?token=` it
 * printed: openApp and api use the token, tokenOf gives it).
 */
export async function serve(machine: Machine, extra: string[] = []): Promise<{ proc: Child; url: string; printedUrl: string }> {
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'renderer', 'index.html'))) {
    throw new Error('dist/renderer is not built: run `npm run build` (npm test does) before the e2e tests');
  }
  const args = ['serve', '--port', '0', '--workspace', machine.workspace, '--no-rest', ...(extra.includes('--hub-port') ? [] : ['--hub-port', '0']), ...extra];
  const { proc, match } = await Child.start(args, machine, /Mittelo Control Center: (http:\/\/\S+)/);
  const printedUrl = match[1] ?? '';
  const token = new URL(printedUrl).searchParams.get('token');
  if (!token) throw new Error(`mittelo serve printed no token in ${printedUrl}`);
  tokens.set(baseOf(printedUrl), token);
  return { proc, url: baseOf(printedUrl), printedUrl };
}

/** `mittelo hub` on the workspace's database, as an external hub the app connects to. */
export async function externalHub(machine: Machine, port: number): Promise<Child> {
  const db = path.join(machine.workspace, '.mittelo', 'mittelo.db');
  fs.mkdirSync(path.dirname(db), { recursive: true });
  const { proc } = await Child.start(['hub', '--db', db, '--port', String(port), '--print-url', '--quiet'], machine, /tcp:\/\/\S+:\d+/);
  return proc;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * A page on the app at `#<hash>` with every page error and failed console message collected. It
 * opens the app the way a user does, by the printed `?token=` address (which sets the cookie).
 */
export async function openApp(browser: Browser, url: string, hash = '/'): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  const base = baseOf(url);
  await page.goto(`${base}?token=${encodeURIComponent(tokenOf(base))}`);
  await page.goto(`${base}#${hash}`);
  return { page, errors };
}

/** Saves a full-page screenshot as a test artifact (test-results/ is git-ignored). */
/**
 * The page as it is, in the light theme and then the dark one: a screenshot of each (`name`,
 * `name-dark`) and no text below WCAG AA contrast in either. Ends back in the light theme.
 */
export async function checkBothThemes(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect(await lowContrast(page)).toEqual([]);
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
  expect(await lowContrast(page)).toEqual([]);
  await screenshot(page, `${name}-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  // The page scrolls inside <main>, which a full-page shot does not unroll: grow the window to fit.
  const viewport = page.viewportSize() ?? { width: 1360, height: 900 };
  const needed = await page.evaluate(() => {
    const main = document.querySelector('main');
    return main ? main.scrollHeight + main.getBoundingClientRect().top : document.body.scrollHeight;
  });
  await page.setViewportSize({ width: viewport.width, height: Math.min(Math.max(viewport.height, Math.ceil(needed)), 6000) });
  await page.screenshot({ path: file });
  await page.setViewportSize(viewport);
  return file;
}

/** One call of the UI contract over the HTTP bridge, as the page makes it (for test setup). */
export async function api<T>(url: string, name: string, input: object = {}): Promise<T> {
  const response = await fetch(new URL(`api/call/${name}`, baseOf(url)), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenOf(url)}` },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as { ok: boolean; result?: T; error?: unknown };
  if (!body.ok) throw new Error(`${name} failed: ${JSON.stringify(body.error)}`);
  return body.result as T;
}

/** Starts a run through the contract and waits until none of its tasks is queued or running. */
export async function runToEnd(url: string, input: { pack: string; backends: string[]; label?: string }, timeoutMs = 60_000): Promise<string> {
  const { run_id } = await api<{ run_id: string }>(url, 'runs.start', input);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await api<{ run: { finished_at: number | null }; tasks: { status: string }[] }>(url, 'runs.get', { run_id });
    if (record.run.finished_at !== null && record.tasks.every((t) => t.status !== 'queued' && t.status !== 'leased')) return run_id;
    if (Date.now() > deadline) throw new Error(`run ${run_id} did not finish in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What a test file's app is made of, for `useApp`. */
export interface AppOptions {
  /** Fake vendor CLIs installed on the machine (file names in tests/fixtures/bin). */
  clis?: string[];
  /** Packs, folder backends, config: the machine as it is before the app starts. */
  prepare?: (machine: Machine) => void | Promise<void>;
  /** More `mittelo serve` arguments (a function when they depend on something it starts first). */
  serveArgs?: string[] | ((machine: Machine) => Promise<string[]>);
  /** After the app has started and before the browser: runs to compare, a lock written... */
  ready?: (app: E2eApp) => Promise<void>;
  /** The address the page opens at (`#<hash>`, a function when `ready` decides it); none: no page is opened. */
  open?: string | (() => string);
  /** Stops what the test file started itself (an external hub), before the machine is removed. */
  stop?: () => Promise<void>;
  /** For the whole set-up; runs in `ready` need more than the default hook timeout. */
  timeoutMs?: number;
}

/** A test file's machine, `mittelo serve` on it, Chromium and one page: each there once set up. */
export class E2eApp {
  private parts: { machine?: Machine; server?: Awaited<ReturnType<typeof serve>>; browser?: Browser; page?: Page; errors: string[] } = { errors: [] };

  private need<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new Error(`the e2e app has no ${what} (yet): use it inside the tests, after useApp's set-up`);
    return value;
  }

  get machine(): Machine {
    return this.need(this.parts.machine, 'machine');
  }

  get server(): Awaited<ReturnType<typeof serve>> {
    return this.need(this.parts.server, 'server');
  }

  /** The app's base URL (the token is in the page's cookie; `api` and `tokenOf` know it). */
  get url(): string {
    return this.server.url;
  }

  get browser(): Browser {
    return this.need(this.parts.browser, 'browser');
  }

  get page(): Page {
    return this.need(this.parts.page, 'page (pass `open`)');
  }

  /** Every page error seen so far (a test asserts it stays empty). */
  get errors(): string[] {
    return this.parts.errors;
  }

  /** The page at `#<hash>` of the app. */
  async goto(hash: string): Promise<void> {
    await this.page.goto(`${this.url}#${hash}`);
  }

  async start(options: AppOptions): Promise<void> {
    const machine = new Machine(options.clis);
    this.parts.machine = machine;
    await options.prepare?.(machine);
    const extra = typeof options.serveArgs === 'function' ? await options.serveArgs(machine) : (options.serveArgs ?? []);
    this.parts.server = await serve(machine, extra);
    await options.ready?.(this);
    this.parts.browser = await launchChromium();
    if (options.open !== undefined) {
      const { page, errors } = await openApp(this.parts.browser, this.url, typeof options.open === 'function' ? options.open() : options.open);
      this.parts.page = page;
      this.parts.errors = errors;
    }
  }

  /** Ends what `start` began, whatever part of it ran: the browser, the app server, the machine. */
  async stop(options: AppOptions): Promise<void> {
    await this.parts.browser?.close();
    await this.parts.server?.proc.stop();
    await options.stop?.();
    this.parts.machine?.remove();
  }
}

/**
 * The set-up every e2e file shares, as its beforeAll and afterAll: a machine prepared by the test,
 * `mittelo serve` on it, Chromium, and a page open at `open`. Tests read `app.page`, `app.machine`...
 */
export function useApp(options: AppOptions = {}): E2eApp {
  const app = new E2eApp();
  beforeAll(() => app.start(options), options.timeoutMs);
  afterAll(() => app.stop(options));
  return app;
}
