/** Plumbing for the app tests: an app core (app workspace + handlers) on a temp workspace and free ports. */
import fs from 'node:fs';
import path from 'node:path';
import type { ApiName, ApiResult, UiEvent } from '../core/api.js';
import { startAppCore, type AppCore } from '../core/app/app-core.js';
import type { AppWorkspaceOptions } from '../core/app/app-workspace.js';
import { repoRoot, tempDir } from './helpers.js';

export interface TestApp extends AppCore {
  root: string;
  workspace: string;
  configDir: string;
  /** Every UiEvent since start. */
  events: UiEvent[];
  /** The result of a call that must succeed. */
  ok<N extends ApiName>(name: N, input: unknown): Promise<ApiResult<N>>;
  remove(): Promise<void>;
}

export async function startTestApp(options: AppWorkspaceOptions = {}, root = tempDir('mittelo-app-')): Promise<TestApp> {
  const workspace = options.workspace ?? path.join(root, 'workspace');
  const configDir = options.configDir ?? path.join(root, 'config');
  const core = await startAppCore({ port: 0, restPort: null, autoStartAgents: false, seedPacksDir: path.join(repoRoot, 'packs'), ...options, workspace, configDir });
  const events: UiEvent[] = [];
  core.subscribe((event) => events.push(event));
  return {
    ...core,
    // The open app workspace, also after a switch (a spread would keep the first one).
    get current() {
      return core.current;
    },
    root,
    workspace,
    configDir,
    events,
    async ok(name, input) {
      const answer = await core.dispatch(name, input);
      if (!answer.ok) throw new Error(`${name} failed: ${JSON.stringify(answer.error)}`);
      return answer.result as never;
    },
    async remove() {
      await core.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Resolves with the first event `match` accepts (checking those already heard first). */
export function nextEvent(app: { events: UiEvent[]; subscribe: AppCore['subscribe'] }, match: (event: UiEvent) => boolean, timeoutMs = 10_000): Promise<UiEvent> {
  const seen = app.events.find(match);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no matching event within ${timeoutMs} ms; heard ${JSON.stringify(app.events.slice(-10))}`));
    }, timeoutMs);
    const stop = app.subscribe((event) => {
      if (!match(event)) return;
      clearTimeout(timer);
      stop();
      resolve(event);
    });
  });
}

/** Waits until `check` returns a value (not undefined), re-checking on every UiEvent. */
export async function untilEvent<T>(app: { subscribe: AppCore['subscribe'] }, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, Math.min(left, 1000));
      const stop = app.subscribe((event) => {
        if (event.kind === 'hub') finish();
      });
      function finish() {
        clearTimeout(timer);
        stop();
        resolve();
      }
    });
  }
}
