/** Pure logic of the Backends and Version lock pages: plain words, field checks, drift order. */
import { describe, expect, it } from 'vitest';
import type { BackendView } from '../../core/api.js';
import type { DriftEntry } from '../../core/lock/check.js';
import { checkBinaryPath, checkConcurrency, checkSettings, problemLines, readyFirst, settingsForm, whereFound } from '../../renderer/src/pages/backends/backends-logic.js';
import { driftSummary, flagText, sortEntries } from '../../renderer/src/pages/lock/lock-logic.js';

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
});
