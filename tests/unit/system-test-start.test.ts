/**
 * The one-click system test's choice of backends: the last system test's when they still run, else
 * every ready backend that can edit files; a question only when the last choice broke; what to
 * install when nothing can do the work.
 */
import { describe, expect, it } from 'vitest';
import { chooseSystemTestBackends, type SystemTestCandidate } from '../../core/app/system-test-start.js';

const ready = (name: string, edits = true): SystemTestCandidate => ({ name, ready: true, edits_files: edits, installed: true, problem: null });
const notReady = (name: string, problem: string, installed = true): SystemTestCandidate => ({ name, ready: false, edits_files: true, installed, problem });
const HINTS = [{ label: 'claude_code', npm_package: '@anthropic-ai/claude-code' }];

describe('chooseSystemTestBackends', () => {
  it('starts on the only ready backend that edits files (echo only answers)', () => {
    expect(chooseSystemTestBackends([ready('echo', false), ready('claude_code'), notReady('codex', 'not installed', false)], null)).toEqual({
      kind: 'start',
      backends: ['claude_code'],
      why: 'claude_code, the ready backend that can edit files',
    });
  });

  it('starts on every ready backend that edits files when there was no system test yet', () => {
    const choice = chooseSystemTestBackends([ready('claude_code'), ready('echo', false), ready('gemini'), ready('codex')], null);
    expect(choice).toEqual({ kind: 'start', backends: ['claude_code', 'gemini', 'codex'], why: 'every ready backend that can edit files (claude_code, gemini and codex)' });
  });

  it('starts on the backends of the last system test while they are all ready, even when others are', () => {
    const choice = chooseSystemTestBackends([ready('claude_code'), ready('gemini'), ready('codex')], ['codex']);
    expect(choice).toEqual({ kind: 'start', backends: ['codex'], why: 'the backends of your last system test (codex)' });
  });

  it('asks when a backend of the last system test is not ready any more, offering the ready ones', () => {
    const choice = chooseSystemTestBackends([ready('gemini'), notReady('claude_code', 'not logged in'), ready('echo', false)], ['claude_code', 'gemini']);
    expect(choice).toEqual({
      kind: 'choose',
      candidates: ['gemini'],
      message: 'Your last system test ran on claude_code and gemini, but claude_code (not logged in) is not ready now. Choose the backends to run it on.',
    });
  });

  it('when nothing can edit files, says what is installed but not ready and what to install', () => {
    const choice = chooseSystemTestBackends([ready('echo', false), notReady('claude_code', 'not logged in: run claude and log in'), notReady('codex', 'codex is not installed', false)], ['claude_code'], HINTS);
    expect(choice.kind).toBe('nothing_ready');
    const message = choice.kind === 'nothing_ready' ? choice.message : '';
    expect(message).toContain('No backend that can edit files is ready here');
    expect(message).toContain('Installed but not ready: claude_code (not logged in: run claude and log in).');
    expect(message).not.toContain('codex (');
    expect(message).toContain('claude_code (npm install -g @anthropic-ai/claude-code)');
    expect(message).toContain('or add a folder backend on the Backends page');
  });
});
