/**
 * Per-backend settings (concurrency cap, rate, timeout, model, tool policy, CLI path, options) and
 * per-pack run defaults (repeat), from the workspace file `mittelo.config.json` (or --config),
 * overridden by command-line flags.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { TOOL_POLICIES } from '../../drivers/types.js';
import { HubError, errorMessage } from '../errors.js';
import type { BackendSpec } from './backend.js';

export const CONFIG_FILE = 'mittelo.config.json';

const backendSettings = z.object({
  concurrency: z.number().int().positive().max(256).optional(),
  rate_per_minute: z.number().int().positive().optional(),
  timeout_seconds: z.number().positive().optional(),
  model: z.string().min(1).optional(),
  tool_policy: z.enum(TOOL_POLICIES).optional(),
  binary_path: z.string().min(1).optional(),
  options: z.record(z.string(), z.string()).optional(),
  /** Variables for this backend's CLI only (e.g. glm: ANTHROPIC_BASE_URL and its token). */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string()).optional(),
});

/** A pack's run defaults; unknown keys are refused (a misspelt "repeats" would be ignored silently otherwise). */
const packSettings = z
  .object({
    /** Runs of the pack repeat every prompt this many times unless --repeat or the pack header says otherwise. */
    repeat: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

export const workspaceConfigSchema = z.object({
  backends: z.record(z.string(), backendSettings).default({}),
  /** By pack name (its file name without .jsonl). */
  packs: z.record(z.string().min(1), packSettings).optional(),
});

export type WorkspaceConfig = z.output<typeof workspaceConfigSchema>;
export type BackendSettings = z.output<typeof backendSettings>;

/** Reads the config; a missing default file is an empty config, a missing explicit one an error. */
export function loadWorkspaceConfig(file?: string, cwd = process.cwd()): WorkspaceConfig {
  const target = path.resolve(cwd, file ?? CONFIG_FILE);
  if (!fs.existsSync(target)) {
    if (file) throw new HubError('bad_request', `config file ${target} does not exist`);
    return { backends: {} };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(target, 'utf8'));
  } catch (err) {
    throw new HubError('bad_request', `config file ${target} is not valid JSON: ${errorMessage(err)}`);
  }
  const parsed = workspaceConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new HubError('bad_request', `config file ${target}: ${issues}`);
  }
  return parsed.data;
}

/**
 * How many times a run repeats each prompt: --repeat (or the app's field), else the pack header's
 * `repeat`, else `packs.<name>.repeat` of mittelo.config.json, else 1.
 */
export function runRepeat(given: number | undefined, header: { repeat?: number | undefined }, config: WorkspaceConfig, packName: string): number {
  return given ?? header.repeat ?? config.packs?.[packName]?.repeat ?? 1;
}

export function specFromSettings(name: string, settings: BackendSettings | undefined): BackendSpec {
  const spec: BackendSpec = { name };
  if (!settings) return spec;
  if (settings.concurrency !== undefined) spec.concurrency = settings.concurrency;
  if (settings.rate_per_minute !== undefined) spec.ratePerMinute = settings.rate_per_minute;
  if (settings.timeout_seconds !== undefined) spec.timeoutMs = settings.timeout_seconds * 1000;
  if (settings.model !== undefined) spec.model = settings.model;
  if (settings.tool_policy !== undefined) spec.toolPolicy = settings.tool_policy;
  if (settings.binary_path !== undefined) spec.binaryPath = settings.binary_path;
  if (settings.options !== undefined) spec.options = settings.options;
  if (settings.env !== undefined) spec.env = settings.env;
  return spec;
}
