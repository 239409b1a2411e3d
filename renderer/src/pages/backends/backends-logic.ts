/** The Backends page in plain words: preflight status, where a CLI was found, edits to settings. */
import type { ApiInput, BackendView } from '../../api/types.js';
import type { BinarySource, CheckStatus, ToolPolicy } from '../../api/types.js';

export const STATUS_INFO: Record<CheckStatus, { label: string; tone: 'good' | 'warn' | 'bad'; summary: string }> = {
  ok: { label: 'Ready', tone: 'good', summary: 'Installed and ready to run prompts.' },
  warn: { label: 'Ready, with warnings', tone: 'warn', summary: 'Can run prompts, but something may get in the way.' },
  fail: { label: 'Not ready', tone: 'bad', summary: 'Cannot run prompts on this machine yet.' },
};

const SOURCE_WORDS: Record<BinarySource, string> = {
  configured: 'the path you set',
  'login-shell-path': 'your login shell’s PATH',
  path: 'PATH',
  'npm-global': 'npm’s global folder',
  nvm: 'an nvm Node install',
  fnm: 'an fnm Node install',
  homebrew: 'Homebrew',
  'local-bin': '~/.local/bin',
  'backends-dir': 'the backends folder',
};

/**
 * Whether the backend runs a program of its own (a vendor CLI, a folder backend's run file) that
 * can be missing or live elsewhere; built-ins (echo) and option-driven ones (shell, tmux) do not.
 */
export function hasOwnCli(view: BackendView): boolean {
  const p = view.preflight;
  return p.binary !== null || view.settings.binary_path !== null || p.problems.some((line) => / not found on PATH|^configured path |its run file/.test(line));
}

/** "/usr/bin/claude (found via PATH)", "Not found", or "No separate program". */
export function whereFound(view: BackendView): string {
  const binary = view.preflight.binary;
  if (binary) return `${binary.path} (found via ${SOURCE_WORDS[binary.source]})`;
  if (!hasOwnCli(view)) return 'No separate program';
  return view.settings.binary_path ? `Not found at ${view.settings.binary_path}` : 'Not found';
}

const STATUS_RANK: Record<CheckStatus, number> = { ok: 0, warn: 1, fail: 2 };

/** Ready backends first, then those with warnings, then the ones that cannot run (else as listed). */
export function readyFirst(views: BackendView[]): BackendView[] {
  return [...views].sort((x, y) => STATUS_RANK[x.preflight.status] - STATUS_RANK[y.preflight.status]);
}

/** The problems plus the credentials hint, each a plain sentence. */
export function problemLines(view: BackendView): string[] {
  const lines = [...view.preflight.problems];
  const hint = view.preflight.auth.hint;
  if (hint && !lines.includes(hint)) lines.push(hint);
  return lines;
}

/** The technical detail behind "detail one click away": the whole preflight, readable JSON. */
export function preflightDetail(view: BackendView): string {
  return JSON.stringify(view.preflight, null, 2);
}

export type ConfigureCheck = { ok: true; input: ApiInput<'backends.configure'> } | { ok: false; error: string };

/** A concurrency cap typed in a field: a whole number from 1 to 64. */
export function checkConcurrency(name: string, text: string): ConfigureCheck {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(value) || value < 1 || value > 64) {
    return { ok: false, error: 'How many prompts at once must be a whole number from 1 to 64.' };
  }
  return { ok: true, input: { name, concurrency: value } };
}

/** A CLI path typed in a field; empty clears it (the app searches the usual places again). */
export function checkBinaryPath(name: string, text: string): ConfigureCheck {
  const value = text.trim();
  if (value.length > 4096) return { ok: false, error: 'That path is too long.' };
  return { ok: true, input: { name, binary_path: value === '' ? null : value } };
}

export function checkModel(name: string, text: string): ConfigureCheck {
  const value = text.trim();
  if (value.length > 200) return { ok: false, error: 'A model name can be at most 200 characters.' };
  return { ok: true, input: { name, model: value === '' ? null : value } };
}

export interface SettingsForm {
  binary_path: string;
  model: string;
  tool_policy: ToolPolicy;
  concurrency: string;
  /** The driver options the backend needs (shell_cmd...), by key. */
  options: Record<string, string>;
}

/** What to call a driver option in a form; the core's description says how it is used. */
export const OPTION_LABELS: Record<string, string> = {
  shell_cmd: 'Command line (gets the prompt on stdin, prints the answer)',
  acp_cmd: 'ACP agent command line',
  tmux_session: 'tmux session name',
};

export function settingsForm(view: BackendView): SettingsForm {
  const s = view.settings;
  const options = Object.fromEntries(view.required_options.map((o) => [o.key, o.value ?? '']));
  return { binary_path: s.binary_path ?? '', model: s.model ?? '', tool_policy: s.tool_policy, concurrency: String(s.concurrency), options };
}

/** The fields that differ from the saved settings, as one backends.configure input; null when nothing changed. */
export function checkSettings(view: BackendView, form: SettingsForm): ConfigureCheck | null {
  const saved = settingsForm(view);
  let input: ApiInput<'backends.configure'> = { name: view.name };
  const steps: [Exclude<keyof SettingsForm, 'options'>, () => ConfigureCheck][] = [
    ['binary_path', () => checkBinaryPath(view.name, form.binary_path)],
    ['model', () => checkModel(view.name, form.model)],
    ['concurrency', () => checkConcurrency(view.name, form.concurrency)],
  ];
  for (const [field, check] of steps) {
    if (form[field].trim() === saved[field].trim()) continue;
    const result = check();
    if (!result.ok) return result;
    input = { ...input, ...result.input };
  }
  if (form.tool_policy !== saved.tool_policy) input = { ...input, tool_policy: form.tool_policy };
  const options: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(form.options)) {
    if (value.trim() === (saved.options[key] ?? '').trim()) continue;
    if (value.length > 4096) return { ok: false, error: `${OPTION_LABELS[key] ?? key} is too long.` };
    options[key] = value.trim() === '' ? null : value.trim();
  }
  if (Object.keys(options).length > 0) input = { ...input, options };
  return Object.keys(input).length > 1 ? { ok: true, input } : null;
}

export const TOOL_POLICY_WORDS: Record<ToolPolicy, string> = {
  none: 'No tools (answers only)',
  'read-only': 'Read files only',
  'workspace-write': 'May edit files in the workspace',
};
