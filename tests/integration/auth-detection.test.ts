/**
 * Credentials are what proves a login, not a file's existence: Claude Code 2.1.197 writes
 * ~/.claude.json on its first start without any login (tests/fixtures/cli-output/
 * claude-2.1.197-first-start.claude.json, captured from a credential-less `claude -p`), so
 * backend-check must still say "no credentials" until the file holds an account or a key.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BackendReport } from '../../core/agent/backend-check.js';
import { FAKE_BIN, FakeMachine, json } from '../lock-helpers.js';
import { repoRoot } from '../helpers.js';

const FIRST_START = fs.readFileSync(path.join(repoRoot, 'tests', 'fixtures', 'cli-output', 'claude-2.1.197-first-start.claude.json'), 'utf8');
const machines: FakeMachine[] = [];
afterAll(() => machines.forEach((m) => m.remove()));

async function claudeCheck(files: Record<string, string>): Promise<BackendReport> {
  const m = new FakeMachine(['claude']);
  machines.push(m);
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(m.home, file)), { recursive: true });
    fs.writeFileSync(path.join(m.home, file), content);
  }
  return json<BackendReport>(await m.run(['backend-check', '--backend', 'claude_code', '--binary-path', path.join(FAKE_BIN, 'claude'), '--json']));
}

describe('Claude Code credentials', () => {
  it('the ~/.claude.json of a first start without login is no credential', async () => {
    const report = await claudeCheck({ '.claude.json': FIRST_START });
    expect(report.status).toBe('warn');
    expect(report.auth.files_present).toEqual([]);
    expect(report.auth.hint).toMatch(/^no credentials found: set ANTHROPIC_API_KEY or .*; ~\/\.claude\.json is there but holds no login \(no oauthAccount or primaryApiKey\)$/);
  });

  it('a logged-in account in ~/.claude.json is', async () => {
    const loggedIn = { ...JSON.parse(FIRST_START), oauthAccount: { accountUuid: 'a-b-c', emailAddress: 'dev@example.com' } };
    const report = await claudeCheck({ '.claude.json': JSON.stringify(loggedIn) });
    expect(report).toMatchObject({ status: 'ok', auth: { files_present: ['~/.claude.json'], hint: null } });
  });

  it('an OAuth login in ~/.claude/.credentials.json is, and an empty or broken one is not', async () => {
    const login = await claudeCheck({ '.claude/.credentials.json': JSON.stringify({ claudeAiOauth: { accessToken: 'x', refreshToken: 'y', expiresAt: 1 } }) });
    expect(login.auth.files_present).toEqual(['~/.claude/.credentials.json']);
    const empty = await claudeCheck({ '.claude/.credentials.json': '{}', '.claude.json': 'not json' });
    expect(empty.auth.files_present).toEqual([]);
    expect(empty.auth.hint).toContain('~/.claude/.credentials.json is there but holds no login (no claudeAiOauth); ~/.claude.json is there but holds no login');
  });
});
