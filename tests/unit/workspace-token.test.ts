/** The workspace token file and the hub records, on real files: modes, odd files, stale records, blank tokens. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureWorkspaceToken, recordRunningHub, runningHubOf, workspaceOfHubPort, workspaceTokenPath } from '../../core/session/workspace-token.js';
import { checkToken, readTokenFile } from '../../core/wire/auth.js';
import { tempDir } from '../helpers.js';

describe('workspace token', () => {
  it('is made once with mode 0600 and then kept', () => {
    const ws = tempDir('mittelo-ws-');
    const first = ensureWorkspaceToken(ws);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fs.statSync(workspaceTokenPath(ws)).mode & 0o777).toBe(0o600);
    expect(ensureWorkspaceToken(ws)).toBe(first);
  });

  it('a token file readable by others is set back to 0600, and said so', () => {
    const ws = tempDir('mittelo-ws-');
    fs.mkdirSync(path.join(ws, '.mittelo'));
    fs.writeFileSync(workspaceTokenPath(ws), 'planted-token-123\n', { mode: 0o644 });
    fs.chmodSync(workspaceTokenPath(ws), 0o644);
    const lines: string[] = [];
    expect(ensureWorkspaceToken(ws, (line) => lines.push(line))).toBe('planted-token-123');
    expect(fs.statSync(workspaceTokenPath(ws)).mode & 0o777).toBe(0o600);
    expect(lines.join('\n')).toMatch(/readable by others; it is now readable by you only/);
  });

  it('a directory or a symlink in its place is refused in words', () => {
    const ws = tempDir('mittelo-ws-');
    fs.mkdirSync(workspaceTokenPath(ws), { recursive: true });
    expect(() => ensureWorkspaceToken(ws)).toThrow(/is not a regular file/);
    const other = tempDir('mittelo-ws-');
    fs.mkdirSync(path.join(other, '.mittelo'));
    fs.writeFileSync(path.join(other, 'elsewhere'), 'x');
    fs.symlinkSync(path.join(other, 'elsewhere'), workspaceTokenPath(other));
    expect(() => ensureWorkspaceToken(other)).toThrow(/is not a regular file/);
  });
});

describe('token checks', () => {
  it.each([[''], [' '], ['\t\n'], ['two words'], ['ctl\u0001x']])('refuses %j naming its source', (value) => {
    expect(() => checkToken(value, '--token')).toThrow(/--token (is blank|contains whitespace)/);
  });

  it('a token file: trailing newline dropped; empty, huge or not a file refused', () => {
    const dir = tempDir('mittelo-tok-');
    fs.writeFileSync(path.join(dir, 'ok'), 'abc123\n');
    expect(readTokenFile(path.join(dir, 'ok'))).toBe('abc123');
    fs.writeFileSync(path.join(dir, 'empty'), '');
    expect(() => readTokenFile(path.join(dir, 'empty'))).toThrow(/is blank/);
    fs.writeFileSync(path.join(dir, 'huge'), 'x'.repeat(10_000));
    expect(() => readTokenFile(path.join(dir, 'huge'))).toThrow(/holds one line/);
    expect(() => readTokenFile(dir)).toThrow(/not a regular file/);
    expect(() => readTokenFile(path.join(dir, 'missing'))).toThrow(/cannot read/);
  });
});

describe('hub records', () => {
  it('name the running hub while it runs and are gone after', () => {
    const ws = tempDir('mittelo-ws-');
    const config = tempDir('mittelo-config-');
    const forget = recordRunningHub(ws, config, { host: '127.0.0.1', port: 48765, rest_url: null });
    expect(runningHubOf(ws)).toMatchObject({ pid: process.pid, port: 48765 });
    expect(workspaceOfHubPort(config, 48765)).toBe(ws);
    expect(workspaceOfHubPort(config, 48766)).toBeNull();
    for (const file of [path.join(ws, '.mittelo', 'hub.json'), path.join(config, 'hubs', '48765.json')]) expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    forget();
    expect(runningHubOf(ws)).toBeNull();
    expect(workspaceOfHubPort(config, 48765)).toBeNull();
  });

  it('a record of a process that is gone is ignored', () => {
    const ws = tempDir('mittelo-ws-');
    fs.mkdirSync(path.join(ws, '.mittelo'));
    // Pid numbers this high are never handed out (Linux caps them at 2^22).
    fs.writeFileSync(path.join(ws, '.mittelo', 'hub.json'), JSON.stringify({ pid: 2 ** 30, host: '127.0.0.1', port: 48765, rest_url: null }));
    expect(runningHubOf(ws)).toBeNull();
  });
});
