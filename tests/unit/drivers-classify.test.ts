import { describe, expect, it } from 'vitest';
import { claudeCodeDriver } from '../../drivers/claude-code.js';
import { codexDriver } from '../../drivers/codex.js';
import { classifyMessage, findClassifiedLine, processOutcome } from '../../drivers/failure.js';
import { geminiDriver } from '../../drivers/gemini.js';
import { kimiDriver } from '../../drivers/kimi.js';
import { kiroDriver } from '../../drivers/kiro.js';
import { opencodeDriver } from '../../drivers/opencode.js';
import { extractVersion, lastJsonObject, parseJsonLines, stripAnsi } from '../../drivers/output.js';
import { runResult } from '../fixtures/run-result.js';

describe('message classification', () => {
  it.each([
    ['Not logged in · Please run /login', 'auth_required'],
    ['Please set an Auth method in your ~/.gemini/settings.json', 'auth_required'],
    ['error: You are not logged in, please log in with kiro-cli login', 'auth_required'],
    ['unexpected status 401 Unauthorized: Missing bearer', 'auth_required'],
    ['Invalid API key · Fix external API key', 'auth_required'],
    ['LLM not set', 'auth_required'],
    ['exceeded retry limit, last status: 429 Too Many Requests', 'rate_limited'],
    ['Error code: 429 - rate_limit_reached_error', 'rate_limited'],
    ['ThrottlingException: Too many requests', 'rate_limited'],
    ['Claude AI usage limit reached|1760000000', 'rate_limited'],
    ['Reconnecting... 2/5 (stream disconnected before completion: failed to lookup address information: Name does not resolve)', 'network'],
    ['exception TypeError: fetch failed sending request', 'network'],
    ['getaddrinfo ENOTFOUND api.anthropic.com', 'network'],
    ['LLM provider error: Connection error.', 'network'],
    ['Reconnecting... 1/5 (unexpected status 401 Unauthorized)', 'auth_required'],
  ])('%s -> %s', (text, expected) => {
    expect(classifyMessage(text)).toBe(expected);
  });

  it('ordinary words and numbers are not mistaken for a failure class', () => {
    for (const text of ['The answer is 401.', 'Took 429ms', 'Use the network tab in devtools', 'error: unknown option --bogus']) {
      expect(classifyMessage(text), text).toBeNull();
    }
  });

  it('picks the last line of the strongest class out of noisy stderr', () => {
    const stderr = ['Warning: 256-color support not detected.', 'Attempt 1 failed: fetch failed', 'Attempt 2 failed: fetch failed sending request', '    at file:///x.js:1:1'].join('\n');
    expect(findClassifiedLine(stderr)).toEqual({ failure: 'network', line: 'Attempt 2 failed: fetch failed sending request' });
  });

  it('a timeout is timeout unless the diagnostics say why nothing came back', () => {
    const timedOut = runResult({ exitCode: null, signal: 'SIGKILL', timedOut: true, durationMs: 2000 });
    expect(processOutcome(timedOut, 'x', '')).toMatchObject({ ok: false, failure: 'timeout' });
    expect(processOutcome(timedOut, 'x', 'Reconnecting... waiting for network')).toMatchObject({ ok: false, failure: 'network' });
    expect(processOutcome(runResult(), 'x', 'fetch failed')).toBeNull();
  });
});

describe('output helpers', () => {
  it('strips colour, cursor and OSC sequences', () => {
    expect(stripAnsi('\u001b[1;31mred\u001b[0m \u001b]0;title\u0007\u001b[2Kdone')).toBe('red done');
  });

  it('finds a pretty-printed JSON object after log lines and stack traces', () => {
    const text = 'Attempt 1 failed\n    at x (y.js:1)\n{\n  "error": {\n    "message": "m",\n    "code": 1\n  }\n}\n';
    expect(lastJsonObject(text)).toEqual({ error: { message: 'm', code: 1 } });
    expect(lastJsonObject('{"a":1}\ntrailing noise')).toEqual({ a: 1 });
    expect(lastJsonObject('no json')).toBeNull();
  });

  it('splits JSON lines from noise and cut-off lines', () => {
    expect(parseJsonLines('{"a":1}\nnoise\n\n{"b":2}\n{"c":')).toEqual({ records: [{ a: 1 }, { b: 2 }], other: ['noise', '{"c":'] });
  });

  it('reads versions even after a WARNING line', () => {
    expect(extractVersion('WARNING: proceeding, even though... (codex_home: "/tmp/1.2.3")\ncodex-cli 0.169.0\n')).toBe('0.169.0');
  });
});

describe('--version parsing of each CLI', () => {
  it.each([
    [claudeCodeDriver.parseVersion, '2.1.197 (Claude Code)\n', '2.1.197'],
    [geminiDriver.parseVersion, '0.61.0\n', '0.61.0'],
    [codexDriver.parseVersion, 'codex-cli 0.169.0\n', '0.169.0'],
    [
      codexDriver.parseVersion,
      'WARNING: proceeding, even though we could not create PATH aliases: Refusing to create helper binaries under temporary dir "/tmp" (codex_home: AbsolutePathBuf("/tmp/tmp.W52WemZqY9/.codex"))\ncodex-cli 0.169.0\n',
      '0.169.0',
    ],
    [opencodeDriver.parseVersion, '1.18.33\n', '1.18.33'],
    [kiroDriver.parseVersion, 'kiro-cli 1.28.0\n', '1.28.0'],
    [kimiDriver.parseVersion, 'kimi, version 1.13.0\n', '1.13.0'],
    [geminiDriver.parseVersion, 'command not found\n', null],
  ])('%#: %j', (parse, output, expected) => {
    expect(parse(output)).toBe(expected);
  });
});
