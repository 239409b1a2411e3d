/**
 * The Backends page's data: every backend's full check (cached ~30 s: each check starts CLIs), its
 * settings from the workspace's mittelo.config.json, and the app's local agent serving it; and the
 * one place that writes those settings back. Where a fresh install must show at once (the one-click
 * system test, the start dialog), the backends that were not ready are checked again past the cache:
 * a missing CLI's check is only a PATH look-up, and ready backends keep their cached check.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BackendView } from '../api.js';
import { HubError, errorMessage } from '../errors.js';
import { allBackendNames, checkBackend, mapLimit, type BackendReport } from '../agent/backend-check.js';
import { BackendError, driverFor, requiredOptions } from '../agent/backend.js';
import { CONFIG_FILE, specFromSettings, workspaceConfigSchema, type BackendSettings } from '../agent/config.js';
import type { ToolPolicy } from '../../drivers/types.js';
import { DEFAULT_AGENT_CONCURRENCY } from './local-agents.js';
import type { AppWorkspace } from './app-workspace.js';

export const BACKEND_CHECK_TTL_MS = 30_000;
const PARALLEL_CHECKS = 4;

export interface BackendSettingsPatch {
  name: string;
  concurrency?: number;
  model?: string | null;
  tool_policy?: ToolPolicy;
  binary_path?: string | null;
  options?: Record<string, string | null>;
}

/** Ready enough to run tasks (warnings allowed), as the start dialog and the one-click choice read it. */
export function isReady(report: BackendReport): boolean {
  return report.status === 'ok' || report.status === 'warn';
}

export interface ListOptions {
  /** Check again, past the cache, every backend whose cached check was not ready (a CLI just installed or logged in). */
  recheckNotReady?: boolean;
}

export class BackendsView {
  private cache: { at: number; reports: Map<string, BackendReport> } | null = null;
  private refreshing: Promise<Map<string, BackendReport>> | null = null;
  private rechecking: Promise<Map<string, BackendReport>> | null = null;

  constructor(
    private readonly app: AppWorkspace,
    private readonly ttlMs = BACKEND_CHECK_TTL_MS,
  ) {}

  /** Forget the cached checks (after a settings change). */
  invalidate(): void {
    this.cache = null;
  }

  private check(names: string[]): Promise<Map<string, BackendReport>> {
    const config = this.app.config();
    return mapLimit(names, PARALLEL_CHECKS, (name) => checkBackend(specFromSettings(name, config.backends[name]))).then(
      (reports) => new Map(names.map((name, i) => [name, reports[i] as BackendReport])),
    );
  }

  private async reports(names: string[], options: ListOptions): Promise<Map<string, BackendReport>> {
    const fresh = this.cache && Date.now() - this.cache.at < this.ttlMs && names.every((n) => this.cache?.reports.has(n));
    if (!fresh || !this.cache) {
      // A full check just ran for every backend: nothing to check again.
      this.refreshing ??= this.check(names)
        .then((map) => (this.cache = { at: Date.now(), reports: map }).reports)
        .finally(() => (this.refreshing = null));
      return this.refreshing;
    }
    if (!options.recheckNotReady) return this.cache.reports;
    // Concurrent callers share one re-check; the ready ones keep their cached check and its age.
    this.rechecking ??= (async () => {
      const cached = this.cache?.reports ?? new Map<string, BackendReport>();
      const stale = names.filter((name) => {
        const report = cached.get(name);
        return !report || !isReady(report);
      });
      if (stale.length === 0) return cached;
      const rechecked = await this.check(stale);
      const merged = new Map([...cached, ...rechecked]);
      if (this.cache) this.cache = { at: this.cache.at, reports: merged };
      return merged;
    })().finally(() => (this.rechecking = null));
    return this.rechecking;
  }

  async list(options: ListOptions = {}): Promise<BackendView[]> {
    const config = this.app.config();
    const configured = Object.keys(config.backends);
    const names = [...new Set([...allBackendNames(configured), ...configured])];
    const reports = await this.reports(names, options);
    return names.flatMap((name) => {
      const report = reports.get(name);
      if (!report) return [];
      const settings = config.backends[name];
      const agent = this.app.agents.state(name);
      return [
        {
          name,
          preflight: report,
          settings: {
            concurrency: settings?.concurrency ?? DEFAULT_AGENT_CONCURRENCY,
            model: settings?.model ?? null,
            tool_policy: settings?.tool_policy ?? 'none',
            binary_path: settings?.binary_path ?? null,
          },
          local_agent: agent ? { running: agent.running, concurrency: agent.concurrency } : null,
          required_options: requiredOptionsOf(name).map(([key, description]) => ({ key, description, value: settings?.options?.[key] ?? null })),
        },
      ];
    });
  }

  /** Writes the backend's settings into mittelo.config.json (other keys kept) and restarts its running agent. */
  async configure(patch: BackendSettingsPatch): Promise<void> {
    knownBackend(patch.name);
    writeBackendSettings(this.app.workspace.dir, patch);
    this.invalidate();
    if (this.app.agents.state(patch.name)) {
      const spec = specFromSettings(patch.name, this.app.config().backends[patch.name]);
      await this.app.agents.start(spec);
    }
  }
}

/** Throws a bad_request naming the backend when no driver or folder backend has that name. */
export function knownBackend(name: string): void {
  try {
    driverFor(name);
  } catch (err) {
    if (err instanceof BackendError) throw new HubError('bad_request', err.message);
    throw err;
  }
}

function requiredOptionsOf(name: string): [string, string][] {
  try {
    return Object.entries(requiredOptions(driverFor(name)));
  } catch {
    return [];
  }
}

function expandHome(file: string): string {
  return file === '~' || file.startsWith('~/') ? path.join(os.homedir(), file.slice(1)) : file;
}

function checkBinaryPath(value: string): string {
  const file = expandHome(value.trim());
  if (!path.isAbsolute(file)) throw new HubError('bad_request', `binary path: give the full path of the program (starting with / or ~/), not "${value}"`);
  try {
    fs.accessSync(file, fs.constants.X_OK);
    if (!fs.statSync(file).isFile()) throw new Error('not a file');
  } catch {
    throw new HubError('bad_request', `binary path: ${file} does not exist or is not a program this user can run`);
  }
  return file;
}

function readRawConfig(file: string): Record<string, unknown> {
  if (!fs.existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new HubError('bad_request', `${file} is not valid JSON (${errorMessage(err)}); fix or remove it first`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new HubError('bad_request', `${file} must hold a JSON object`);
  return raw as Record<string, unknown>;
}

export function writeBackendSettings(workspace: string, patch: BackendSettingsPatch): void {
  const file = path.join(workspace, CONFIG_FILE);
  const raw = readRawConfig(file);
  const backends = (typeof raw.backends === 'object' && raw.backends !== null ? raw.backends : {}) as Record<string, Record<string, unknown>>;
  const entry: Record<string, unknown> = { ...(backends[patch.name] ?? {}) };
  if (patch.concurrency !== undefined) entry.concurrency = patch.concurrency;
  if (patch.tool_policy !== undefined) entry.tool_policy = patch.tool_policy;
  if (patch.model === null || (typeof patch.model === 'string' && patch.model.trim() === '')) delete entry.model;
  else if (patch.model !== undefined) entry.model = patch.model.trim();
  if (patch.binary_path === null || (typeof patch.binary_path === 'string' && patch.binary_path.trim() === '')) delete entry.binary_path;
  else if (patch.binary_path !== undefined) entry.binary_path = checkBinaryPath(patch.binary_path);
  if (patch.options !== undefined) {
    const options: Record<string, string> = { ...((entry.options as Record<string, string> | undefined) ?? {}) };
    for (const [key, value] of Object.entries(patch.options)) {
      if (value === null || value.trim() === '') delete options[key];
      else options[key] = value.trim();
    }
    if (Object.keys(options).length > 0) entry.options = options;
    else delete entry.options;
  }
  const next = { ...raw, backends: { ...backends, [patch.name]: entry as BackendSettings } };
  const parsed = workspaceConfigSchema.safeParse(next);
  if (!parsed.success) {
    throw new HubError('bad_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; '));
  }
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(next, null, 2)}\n`);
  fs.renameSync(temp, file);
}
