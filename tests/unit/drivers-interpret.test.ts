import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { claudeCodeDriver } from '../../drivers/claude-code.js';
import { codexDriver } from '../../drivers/codex.js';
import { geminiDriver } from '../../drivers/gemini.js';
import { kimiDriver } from '../../drivers/kimi.js';
import { kiroAnswer, kiroDriver } from '../../drivers/kiro.js';
import { opencodeDriver } from '../../drivers/opencode.js';
import type { DriverCall, DriverOutcome, OneShotDriver } from '../../drivers/types.js';
import { runResult } from '../fixtures/run-result.js';
import type { RunResult } from '../../drivers/run/types.js';

const captured = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cli-output');
const read = (name: string): string => fs.readFileSync(path.join(captured, name), 'utf8');
const CALL: DriverCall = { prompt: 'hi', toolPolicy: 'none', options: {} };

function interpret(driver: OneShotDriver, fields: Partial<RunResult>): DriverOutcome {
  return driver.interpret(runResult(fields), CALL);
}

function expectFailure(outcome: DriverOutcome, failure: string, messagePart: string): void {
  expect(outcome.ok).toBe(false);
  if (outcome.ok) return;
  expect(outcome.failure).toBe(failure);
  expect(outcome.message).toContain(messagePart);
}

describe('claude_code interpret', () => {
  it('the real "not logged in" result (subtype success, is_error true) is auth_required with the CLI message', () => {
    const outcome = interpret(claudeCodeDriver, { exitCode: 1, stdout: read('claude-2.1.197-not-logged-in.stdout') });
    expectFailure(outcome, 'auth_required', 'Not logged in · Please run /login');
    if (!outcome.ok) expect(outcome.output?.session_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a success result gives the answer, tokens, cost, turns, session and model', () => {
    const stdout = JSON.stringify({
      type: 'result',
      subtype: 'success',
      is_error: false,
      result: '4',
      session_id: 's-1',
      total_cost_usd: 0.0042,
      num_turns: 1,
      usage: { input_tokens: 12, output_tokens: 3, cache_read_input_tokens: 100 },
      modelUsage: { 'claude-sonnet-4-5': {} },
    });
    expect(interpret(claudeCodeDriver, { stdout })).toEqual({
      ok: true,
      output: { answer: '4', usage: { input_tokens: 12, output_tokens: 3, cost_usd: 0.0042 }, session_id: 's-1', turns: 1, model: 'claude-sonnet-4-5' },
    });
  });

  it('an API status in the result decides the class (429 = rate_limited)', () => {
    const stdout = JSON.stringify({ type: 'result', subtype: 'success', is_error: true, api_error_status: 429, result: 'API Error: request refused' });
    expectFailure(interpret(claudeCodeDriver, { exitCode: 1, stdout }), 'rate_limited', 'API Error: request refused');
  });

  it('an error subtype without a known message is crashed, naming the subtype', () => {
    const stdout = JSON.stringify({ type: 'result', subtype: 'error_max_turns', is_error: true, num_turns: 10 });
    expectFailure(interpret(claudeCodeDriver, { exitCode: 1, stdout }), 'crashed', 'error_max_turns');
  });

  it('the real unknown-option usage error is crashed with the CLI words', () => {
    expectFailure(interpret(claudeCodeDriver, { exitCode: 1, stderr: read('claude-2.1.197-unknown-option.stderr') }), 'crashed', "error: unknown option '--bogus'");
  });

  it('text where JSON was asked, on exit 0, is bad_output', () => {
    expectFailure(interpret(claudeCodeDriver, { stdout: 'Sure! The answer is 4.' }), 'bad_output', 'Sure! The answer is 4.');
  });
});

describe('gemini interpret', () => {
  it('the real exit 41 with the error JSON on stderr is auth_required with the CLI message', () => {
    const outcome = interpret(geminiDriver, { exitCode: 41, stderr: read('gemini-0.61.0-no-auth.stderr') });
    expectFailure(outcome, 'auth_required', 'Please set an Auth method in your /home/user/.gemini/settings.json');
  });

  it('the real fetch failure after retries is network, keeping the message from the error JSON', () => {
    const outcome = interpret(geminiDriver, { exitCode: 1, stderr: read('gemini-0.61.0-fetch-failed.stderr') });
    expectFailure(outcome, 'network', 'exception TypeError: fetch failed sending request');
  });

  it('the real untrusted-folder refusal (exit 55) is crashed with the CLI words', () => {
    expectFailure(interpret(geminiDriver, { exitCode: 55, stderr: read('gemini-0.61.0-untrusted.stderr') }), 'crashed', 'not running in a trusted directory');
  });

  it('a JSON response gives the answer and tokens summed over models', () => {
    const stdout = JSON.stringify(
      {
        session_id: 'g-1',
        response: 'Four.',
        stats: { models: { 'gemini-2.5-pro': { tokens: { prompt: 100, candidates: 5, total: 105 } }, 'gemini-2.5-flash': { tokens: { prompt: 10, candidates: 2 } } } },
      },
      null,
      2,
    );
    expect(interpret(geminiDriver, { stdout })).toEqual({
      ok: true,
      output: { answer: 'Four.', usage: { input_tokens: 110, output_tokens: 7 }, model: 'gemini-2.5-pro', session_id: 'g-1' },
    });
  });

  it('a 429 quota error is rate_limited', () => {
    const stderr = JSON.stringify({ error: { type: 'Error', message: '[API Error: got status: 429 Too Many Requests. RESOURCE_EXHAUSTED]', code: 1 } });
    expectFailure(interpret(geminiDriver, { exitCode: 1, stderr }), 'rate_limited', '429 Too Many Requests');
  });
});

describe('codex interpret', () => {
  it('the real offline run that ran out of time is network, quoting the last reconnect message', () => {
    const outcome = interpret(codexDriver, {
      exitCode: null,
      signal: 'SIGTERM',
      timedOut: true,
      durationMs: 8000,
      stdout: read('codex-0.169.0-offline.stdout'),
      stderr: read('codex-0.169.0-offline.stderr'),
    });
    expectFailure(outcome, 'network', 'Reconnecting... 5/5 (stream disconnected before completion: failed to lookup address information');
  });

  it('the real offline events ending in turn.failed are network', () => {
    const stdout = `${read('codex-0.169.0-offline.stdout')}${JSON.stringify({ type: 'turn.failed', error: { message: 'stream disconnected before completion: error sending request' } })}\n`;
    expectFailure(interpret(codexDriver, { exitCode: 1, stdout }), 'network', 'stream disconnected before completion');
  });

  it('a completed turn gives the last agent message, usage and thread id', () => {
    const stdout = [
      { type: 'thread.started', thread_id: 't-1' },
      { type: 'turn.started' },
      { type: 'item.completed', item: { id: 'item_0', type: 'agent_message', text: 'Looking.' } },
      { type: 'item.completed', item: { id: 'item_1', type: 'agent_message', text: '4' } },
      { type: 'turn.completed', usage: { input_tokens: 20, cached_input_tokens: 5, output_tokens: 2 } },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    expect(interpret(codexDriver, { stdout, stderr: 'WARNING: proceeding, even though we could not create PATH aliases: ...' })).toEqual({
      ok: true,
      output: { answer: '4', usage: { input_tokens: 20, output_tokens: 2 }, session_id: 't-1', turns: 1 },
    });
  });

  it('a 401 is auth_required even inside a reconnect message', () => {
    const stdout = JSON.stringify({ type: 'error', message: 'Reconnecting... 1/5 (unexpected status 401 Unauthorized: Missing bearer)' });
    expectFailure(interpret(codexDriver, { exitCode: 1, stdout }), 'auth_required', '401 Unauthorized');
  });

  it('the real usage error (exit 2) is crashed with the CLI words', () => {
    expectFailure(interpret(codexDriver, { exitCode: 2, stderr: read('codex-0.169.0-unknown-argument.stderr') }), 'crashed', "unexpected argument '--bogus'");
  });
});

describe('opencode interpret', () => {
  it('the real error event for an unusable model is crashed with its own message', () => {
    expectFailure(interpret(opencodeDriver, { exitCode: 1, stdout: read('opencode-1.18.33-model-error.stdout') }), 'crashed', 'Unexpected server error');
  });

  it('a silent hang ended by the timeout is timeout', () => {
    expectFailure(interpret(opencodeDriver, { exitCode: null, signal: 'SIGKILL', timedOut: true, durationMs: 30_000 }), 'timeout', 'stopped after 30s without an answer');
  });

  it('text parts of the last message are the answer; tokens and cost add up over steps', () => {
    const ev = (type: string, part: Record<string, unknown>) => JSON.stringify({ type, sessionID: 'ses_1', part });
    const stdout = [
      ev('text', { messageID: 'm1', text: 'Checking.' }),
      ev('step_finish', { messageID: 'm1', cost: 0.001, tokens: { input: 100, output: 10 } }),
      ev('text', { messageID: 'm2', text: 'Four' }),
      ev('text', { messageID: 'm2', text: '.' }),
      ev('step_finish', { messageID: 'm2', cost: 0.002, tokens: { input: 120, output: 3 } }),
    ].join('\n');
    expect(interpret(opencodeDriver, { stdout })).toEqual({
      ok: true,
      output: { answer: 'Four.', usage: { input_tokens: 220, output_tokens: 13, cost_usd: 0.003 }, session_id: 'ses_1', turns: 2 },
    });
  });
});

describe('kiro and kimi interpret', () => {
  it('kiro: the answer is the stdout text without ANSI, the "> " marker and the credits line', () => {
    expect(kiroAnswer('\u001b[32m> \u001b[0mFour.\n\n\u001b[2m▸ Credits: 0.04 • Time: 2s\u001b[0m\n')).toBe('Four.');
    expect(interpret(kiroDriver, { stdout: '> Four.\n' })).toEqual({ ok: true, output: { answer: 'Four.' } });
  });

  it('kiro: "not logged in" on stderr is auth_required; only escape codes on exit 0 is bad_output', () => {
    expectFailure(interpret(kiroDriver, { exitCode: 1, stderr: 'error: You are not logged in, please log in with \u001b[1mkiro-cli login\u001b[0m\n' }), 'auth_required', 'please log in with kiro-cli login');
    expectFailure(interpret(kiroDriver, { stdout: '\u001b[2K\r\u001b[?25h\n' }), 'bad_output', 'without an answer');
  });

  it('kimi: the last assistant message with text is the answer', () => {
    const stdout = [
      { role: 'assistant', content: [{ type: 'think', think: 'hmm' }, { type: 'text', text: 'Let me check.' }], tool_calls: [] },
      { role: 'tool', tool_call_id: 'tc_1', content: 'x' },
      { role: 'assistant', content: 'Four.' },
    ]
      .map((m) => JSON.stringify(m))
      .join('\n');
    expect(interpret(kimiDriver, { stdout })).toEqual({ ok: true, output: { answer: 'Four.' } });
  });

  it('kimi: "LLM not set" is auth_required and a connection error is network', () => {
    expectFailure(interpret(kimiDriver, { exitCode: 1, stderr: 'LLM not set\n' }), 'auth_required', 'LLM not set');
    expectFailure(interpret(kimiDriver, { exitCode: 1, stderr: 'LLM provider error: Connection error.\n' }), 'network', 'Connection error');
  });
});

describe('process outcomes shared by every vendor driver', () => {
  const drivers: OneShotDriver[] = [claudeCodeDriver, geminiDriver, codexDriver, kiroDriver, kimiDriver, opencodeDriver];

  it('a missing binary is not_installed with the OS message', () => {
    for (const driver of drivers) {
      const outcome = interpret(driver, { exitCode: null, spawnError: { code: 'ENOENT', message: `spawn ${driver.binary ?? ''} ENOENT` } });
      expectFailure(outcome, 'not_installed', 'ENOENT');
    }
  });

  it('cancellation wins over whatever output there was', () => {
    for (const driver of drivers) {
      expectFailure(interpret(driver, { exitCode: null, signal: 'SIGINT', cancelled: true, stderr: 'LLM not set' }), 'cancelled', 'cancelled');
    }
  });

  it('a kill by signal with no recognisable message is crashed, naming the signal', () => {
    for (const driver of drivers) {
      expectFailure(interpret(driver, { exitCode: null, signal: 'SIGKILL', stdout: '{"type":"res' }), 'crashed', 'SIGKILL');
    }
  });
});
