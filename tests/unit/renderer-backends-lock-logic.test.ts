/** Pure logic of the Backends and Version lock pages: plain words, field checks, drift order. */
import { describe, expect, it } from 'vitest';
import type { BackendView } from '../../core/api.js';
import type { DriftEntry } from '../../core/lock/check.js';
import { checkBinaryPath, checkConcurrency, checkSettings, problemLines, readyFirst, settingsForm, whereFound } from '../../renderer/src/pages/backends/backends-logic.js';
import { driftSummary, flagText, sortEntries, writtenSummary } from '../../renderer/src/pages/lock/lock-logic.js';
import { driftOf } from '../../core/lock/check.js';
import { lockableDriver } from '../../core/lock/inspect.js';

const view: BackendView = {
  name: 'claude_code',
  preflight: {
    backend: 'claude_code',
    status: 'warn',
    driver: 'claude_code',
    binary: { path: '/usr/local/bin/claude', source: 'path' },
    version: '2.1.197',
    problems: [],
    auth: { env_present: [], files_present: [], hint: 'no credentials found: set ANTHROPIC_API_KEY' },
    required_flags: ['--print'],
    engine: null,
  },
  settings: { concurrency: 2, model: null, tool_policy: 'none', binary_path: null },
  local_agent: null,
  required_options: [],
};

describe('the Backends page', () => {
  it('says where a CLI was found and lists the credentials hint as a problem', () => {
    expect(whereFound(view)).toBe('/usr/local/bin/claude (found via PATH)');
    expect(problemLines(view)).toEqual(['no credentials found: set ANTHROPIC_API_KEY']);
    const missing = { ...view, preflight: { ...view.preflight, binary: null, problems: ['claude not found on PATH, the login shell\'s PATH or the usual install places'] } };
    expect(whereFound(missing)).toBe('Not found');
    const echo = { ...view, name: 'echo', preflight: { ...view.preflight, status: 'ok' as const, binary: null, problems: [] } };
    expect(whereFound(echo)).toBe('No separate program');
    expect(readyFirst([view, echo]).map((v) => v.name)).toEqual(['echo', 'claude_code']);
  });

  it('accepts a concurrency cap of 1 to 64 and clears the path when the field is emptied', () => {
    expect(checkConcurrency('echo', '4')).toEqual({ ok: true, input: { name: 'echo', concurrency: 4 } });
    expect(checkConcurrency('echo', '0')).toMatchObject({ ok: false });
    expect(checkConcurrency('echo', 'two')).toMatchObject({ ok: false });
    expect(checkBinaryPath('echo', '  ')).toEqual({ ok: true, input: { name: 'echo', binary_path: null } });
    expect(checkBinaryPath('echo', ' /opt/claude ')).toEqual({ ok: true, input: { name: 'echo', binary_path: '/opt/claude' } });
  });
});

describe('the Version lock page', () => {
  const entry = (cli: string, status: DriftEntry['status'], missing: string[] = []): DriftEntry => ({
    cli, status, locked_version: '1.0.0', installed_version: '0.9.0', binary_path: null, missing_flags: missing, message: '', fix: null,
  });

  it('never calls a lock that pins no CLI green: neither after writing it nor in the check', () => {
    expect(writtenSummary(0)).toMatchObject({ tone: 'warn', text: expect.stringContaining('pins no CLI') });
    expect(writtenSummary(2)).toEqual({ tone: 'good', text: 'Lock written with 2 CLIs.' });
    expect(driftSummary({ lock_file: '', written_at: '', ok: true, entries: [] })).toMatchObject({ tone: 'warn', text: expect.stringContaining('pins no CLI') });
    expect(driftSummary({ lock_file: '', written_at: '', ok: true, entries: [entry('codex', 'unlocked')] }).tone).toBe('warn');
    expect(driftSummary({ lock_file: '', written_at: '', ok: true, entries: [entry('codex', 'ok')] })).toEqual({ tone: 'good', text: 'Every locked CLI matches the lock on this machine.' });
  });

  it('does not suggest a global npm install for a CLI whose path was set by hand', () => {
    const locked = { name: 'claude_code', source: { type: 'npm' as const, package: '@anthropic-ai/claude-code' }, version: '2.0.0', flags: [] };
    const observed = { driver: lockableDriver('claude_code'), not_found: null, version: '1.0.0', version_output: '1.0.0', flags: null, engine: null, engine_problem: null };
    const viaPath = driftOf(locked, { ...observed, binary: { path: '/usr/bin/claude', source: 'path' } });
    expect(viaPath.fix).toBe('npm install -g @anthropic-ai/claude-code@2.0.0');
    const byHand = driftOf(locked, { ...observed, binary: { path: '/opt/tools/claude', source: 'configured' } });
    expect(byHand.status).toBe('older');
    expect(byHand.fix).toMatch(/^its path was set by hand \(\/opt\/tools\/claude\): install 2\.0\.0 there, or set the path to a 2\.0\.0 install \(Backends page/);
  });

  it('lists drifted CLIs first and counts them in the summary', () => {
    const entries = [entry('a', 'unlocked'), entry('b', 'ok'), entry('c', 'older'), entry('d', 'flag_missing', ['--print'])];
    expect(sortEntries(entries).map((e) => e.cli)).toEqual(['c', 'd', 'b', 'a']);
    expect(driftSummary({ lock_file: '', written_at: '', ok: false, entries })).toMatchObject({ tone: 'bad', text: expect.stringContaining('2 CLIs have drifted') });
    expect(flagText(entries[3] as DriftEntry)).toBe('missing: --print');
  });
});

describe('saving backend settings', () => {
  it('sends only the fields that changed, and nothing when none did', () => {
    const form = settingsForm(view);
    expect(checkSettings(view, form)).toBeNull();
    expect(checkSettings(view, { ...form, concurrency: '3', tool_policy: 'read-only' })).toEqual({ ok: true, input: { name: 'claude_code', concurrency: 3, tool_policy: 'read-only' } });
    expect(checkSettings(view, { ...form, concurrency: '99' })).toMatchObject({ ok: false });
  });

  it('sends the shell backend’s command line when it changed, and null to remove it', () => {
    const shell: BackendView = { ...view, name: 'shell', required_options: [{ key: 'shell_cmd', description: 'a command line (--shell-cmd "...")', value: null }] };
    const form = settingsForm(shell);
    expect(form.options).toEqual({ shell_cmd: '' });
    expect(checkSettings(shell, form)).toBeNull();
    expect(checkSettings(shell, { ...form, options: { shell_cmd: '  tr a-z A-Z ' } })).toEqual({ ok: true, input: { name: 'shell', options: { shell_cmd: 'tr a-z A-Z' } } });
    const saved: BackendView = { ...shell, required_options: [{ key: 'shell_cmd', description: '', value: 'cat' }] };
    expect(checkSettings(saved, { ...settingsForm(saved), options: { shell_cmd: '' } })).toEqual({ ok: true, input: { name: 'shell', options: { shell_cmd: null } } });
  });
});
