import { afterEach, describe, expect, it, vi } from 'vitest';
import { completeUtf8Length, OutputCapture } from '../../drivers/run/capture.js';
import { LiveRedactor } from '../../drivers/run/live-redact.js';
import { collectSecrets, createRedactor, REDACTED, redactEnv } from '../../drivers/run/redact.js';

const ANTHROPIC = 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdEf';
const OPENAI = 'sk-proj-Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0';
const GOOGLE = 'AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q';
const GITHUB = 'ghp_0123456789abcdefghijABCDEFGHIJ012345';
const GITHUB_PAT = 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv';
const SLACK = 'xoxb-1234567890-abcdefghij';
const AWS = 'AKIAIOSFODNN7EXAMPLE';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

describe('redaction', () => {
  it('replaces values of secret-named env vars wherever they appear, keeping the name in NAME=value', () => {
    const secrets = collectSecrets({ MY_API_KEY: 'hunter2-but-longer', SHORT_TOKEN: 'abc', PLAIN: 'not-a-secret-value' });
    expect(secrets).toEqual(['hunter2-but-longer']);
    const redactor = createRedactor(secrets);
    expect(redactor.redact('MY_API_KEY=hunter2-but-longer and again hunter2-but-longer')).toBe(
      `MY_API_KEY=${REDACTED} and again ${REDACTED}`,
    );
    expect(redactor.redact('not-a-secret-value abc')).toBe('not-a-secret-value abc');
  });

  it('replaces known key shapes that are in no env var', () => {
    const redactor = createRedactor([]);
    for (const key of [ANTHROPIC, OPENAI, GOOGLE, GITHUB, GITHUB_PAT, SLACK, AWS, JWT]) {
      expect(redactor.redact(`key: "${key}".`)).toBe(`key: "${REDACTED}".`);
    }
    expect(redactor.redact('Authorization: Bearer abcdefgh12345678==')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactor.redact('OPENAI_API_KEY=whatever123')).toBe(`OPENAI_API_KEY=${REDACTED}`);
  });

  it('leaves ordinary text alone, including a session id in JSON and words ending in sk-', () => {
    const redactor = createRedactor([]);
    const text = '{"type":"result","session_id":"3f2a9c1e-1b2c","input_tokens":12345} task-abcdefghijklmnopqrstuvwxyz';
    expect(redactor.redact(text)).toBe(text);
  });

  it('hides the password of a URL (a proxy, a database) and a token used as its user, keeping the rest', () => {
    const redactor = createRedactor([]);
    expect(redactor.redact('HTTPS_PROXY=http://user:s3cret-pass@proxy.local:3128')).toBe(`HTTPS_PROXY=http://user:${REDACTED}@proxy.local:3128`);
    expect(redactor.redact('postgres://app:pw@db/prod and socks5h://me:p@ss:w0rd@10.0.0.1:1080/')).toBe(
      `postgres://app:${REDACTED}@db/prod and socks5h://me:${REDACTED}@10.0.0.1:1080/`,
    );
    expect(redactor.redact(`git clone https://${GITHUB}@github.com/o/r`)).toBe(`git clone https://${REDACTED}@github.com/o/r`);
    const plain = 'ssh://git@github.com/o/r git@github.com:o/r https://example.com/a:b@c http://localhost:8080/x';
    expect(redactor.redact(plain)).toBe(plain);
    expect(redactEnv({ HTTPS_PROXY: 'http://user:pw@proxy:3128', NO_PROXY: 'localhost' }, redactor)).toEqual({
      HTTPS_PROXY: `http://user:${REDACTED}@proxy:3128`,
      NO_PROXY: 'localhost',
    });
  });

  it('treats a URL password in any env value as a secret, as written, decoded and as a Basic auth value', () => {
    const secrets = collectSecrets({ HTTPS_PROXY: 'http://alice:open%40sesame-42@proxy:3128', PLAIN: 'http://x.org' });
    const basic = Buffer.from('alice:open@sesame-42').toString('base64');
    expect(new Set(secrets)).toEqual(new Set(['open%40sesame-42', 'open@sesame-42', basic]));
    const redactor = createRedactor(secrets);
    expect(redactor.redact(`Proxy-Authorization: Basic ${basic}\npassword open@sesame-42 rejected`)).toBe(
      `Proxy-Authorization: Basic ${REDACTED}\npassword ${REDACTED} rejected`,
    );
  });

  it('hides secret-named values in the recorded env even when no other rule would', () => {
    const redactor = createRedactor([]);
    expect(redactEnv({ SOME_TOKEN: 'long-enough-value', MAX_TOKENS: '32000', PATH: '/usr/bin' }, redactor)).toEqual({
      SOME_TOKEN: REDACTED,
      MAX_TOKENS: '32000',
      PATH: '/usr/bin',
    });
  });
});

describe('live redaction', () => {
  function feed(secrets: string[], chunks: string[]): string[] {
    const out: string[] = [];
    const live = new LiveRedactor(createRedactor(secrets), (text) => out.push(text));
    for (const chunk of chunks) live.push(chunk);
    live.flush();
    return out;
  }

  it('redacts a key shape split across two chunks', () => {
    const out = feed([], [`token ${ANTHROPIC.slice(0, 15)}`, `${ANTHROPIC.slice(15)} done\n`]);
    expect(out.join('')).toBe(`token ${REDACTED} done\n`);
  });

  it('redacts an env secret with spaces split across chunks', () => {
    const secret = 'correct horse battery staple';
    const out = feed([secret], ['pw is correct hor', 'se battery staple!\n']);
    expect(out.join('')).toBe(`pw is ${REDACTED}!\n`);
  });

  it('redacts a bearer token whose keyword and value arrive apart', () => {
    expect(feed([], ['Authorization: Bearer ', 'abcdefgh12345678\n']).join('')).toBe(`Authorization: Bearer ${REDACTED}\n`);
  });

  it('releases complete lines at once and holds only the trailing word', () => {
    const out = feed([], ['line one\nline two\npartial wo', 'rd\n']);
    expect(out).toEqual(['line one\nline two\npartial ', 'word\n']);
  });

  describe('with pauses between chunks', () => {
    afterEach(() => vi.useRealTimers());

    /** Writes `line` as two chunks, split at `at`, with a long silence between them. */
    function slowly(secrets: string[], line: string, at: number): string[] {
      vi.useFakeTimers();
      const out: string[] = [];
      const live = new LiveRedactor(createRedactor(secrets), (text) => out.push(text), 150);
      live.push(line.slice(0, at));
      vi.advanceTimersByTime(10_000);
      live.push(line.slice(at));
      vi.advanceTimersByTime(10_000);
      live.flush();
      return out;
    }

    // Whatever the split point and however long the pause, the live stream shows exactly what the
    // captured output (redacted whole) shows, so no part of a secret is ever emitted on its own.
    it('never emits a secret in pieces, at any split point', () => {
      const envSecret = 'correct horse battery staple';
      const lines = [
        ...[ANTHROPIC, OPENAI, GOOGLE, GITHUB, GITHUB_PAT, SLACK, AWS, JWT].map((key) => `key: ${key} ok\n`),
        'Authorization: Bearer abcdefgh12345678==\n',
        'export OPENAI_API_KEY=whatever:123@45 now\n',
        'proxy http://user:s3cret-pass@proxy.local:3128/ ok\n',
        `clone https://${GITHUB}@github.com/o/r\n`,
        `pw: ${envSecret}!\n`,
      ];
      for (const line of lines) {
        const whole = createRedactor([envSecret]).redact(line);
        for (let at = 1; at < line.length; at++) {
          expect(slowly([envSecret], line, at).join(''), `${JSON.stringify(line)} split at ${at}`).toBe(whole);
        }
      }
    });

    it('still shows a partial word that cannot begin a secret after the quiet period', () => {
      vi.useFakeTimers();
      const out: string[] = [];
      const live = new LiveRedactor(createRedactor([]), (text) => out.push(text), 150);
      live.push('Loading model');
      expect(out).toEqual(['Loading ']);
      vi.advanceTimersByTime(200);
      expect(out).toEqual(['Loading ', 'model']);
      live.push('\nkey sk-ant-api03-AbCd');
      vi.advanceTimersByTime(200);
      expect(out.join('')).toBe('Loading model\nkey ');
    });
  });

  it('releases a held tail after a quiet period', async () => {
    const out: string[] = [];
    const live = new LiveRedactor(createRedactor([]), (text) => out.push(text), 20);
    live.push('Loading model');
    expect(out).toEqual(['Loading ']);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(out).toEqual(['Loading ', 'model']);
  });
});

describe('capture', () => {
  it('never ends the capped capture inside a multi-byte character', () => {
    const bytes = Buffer.from('a✓', 'utf8'); // 1 + 3 bytes
    expect(completeUtf8Length(bytes.subarray(0, 3))).toBe(1);
    expect(completeUtf8Length(bytes)).toBe(4);
    const capture = new OutputCapture(3, createRedactor([]));
    capture.push(bytes);
    expect(capture.result()).toEqual({ text: 'a\n[mittelo: output truncated after 3 bytes]', truncated: true });
  });

  it('drops a key the cap cut in half instead of keeping its first part', () => {
    const capture = new OutputCapture(20, createRedactor([]));
    capture.push(Buffer.from(`key ${ANTHROPIC}`));
    expect(capture.result().text).toBe('key \n[mittelo: output truncated after 20 bytes]');
  });
});
