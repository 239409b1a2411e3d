/**
 * The upgrade rehearsal's reading of --help (commander, yargs and clap styles, excerpts of the real
 * CLIs' help) and its verdict rules, without npm: upgrade-check runs these on what the two
 * installed versions print (tests/integration/upgrade-check-real.test.ts does it for real).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffHelp, readHelp } from '../../core/lock/help-diff.js';
import { judgeUpgrade, valuesPassed } from '../../core/lock/upgrade-check.js';
import { claudeCodeDriver } from '../../drivers/claude-code.js';
import { codexDriver } from '../../drivers/codex.js';
import { repoRoot } from '../helpers.js';

// Claude Code 2.1.197 (commander): wrapped choices, a `preset:`, and a flag named inside a description.
const CLAUDE_OLD = `Options:
  --append-system-prompt <prompt>       Append a system prompt to the default
                                        system prompt
  --bare                                Minimal mode: skip hooks. Explicitly provide context
                                        via: --system-prompt[-file],
                                        --append-system-prompt[-file], --add-dir
  --output-format <format>              Output format (only works with --print):
                                        streaming) (choices: "text", "json",
                                        "stream-json")
  --permission-mode <mode>              Permission mode to use for the session
                                        (choices: "acceptEdits", "auto",
                                        "bypassPermissions", "default",
                                        "dontAsk", "plan")
  --brief [value]                       Brief mode for the user prompt (choices: "true", "false",
                                        "on", "off", preset: "true")
  -p, --print                           Print response and exit
`;
const CLAUDE_NEW = CLAUDE_OLD.replace('"bypassPermissions", "default",', '"bypassPermissions", "manual",').replace('  --bare ', '  --cloud                               Run in the cloud\n  --bare ');

// Gemini CLI (yargs) and Codex (clap).
const GEMINI = `Options:
      --approval-mode             Set the approval mode  [string] [choices: "default", "auto_edit", "yolo", "plan"]
  -o, --output-format             The format of the CLI output.  [string] [choices: "text", "json", "stream-json"]
`;
const CODEX = `Options:
  -s, --sandbox <SANDBOX_MODE>
          Select the sandbox policy
          [possible values: read-only, workspace-write, danger-full-access]
      --json
          Print events to stdout as JSONL
`;

describe('reading --help', () => {
  it('commander: wrapped choices, presets left out, flags named in descriptions are not definitions', () => {
    const help = readHelp(CLAUDE_OLD);
    expect(help.choices).toEqual({
      '--output-format': ['text', 'json', 'stream-json'],
      '--permission-mode': ['acceptEdits', 'auto', 'bypassPermissions', 'default', 'dontAsk', 'plan'],
      '--brief': ['true', 'false', 'on', 'off'],
    });
    expect(help.flags).toContain('--print');
    expect(help.flags).toContain('--system-prompt');
  });

  it('yargs and clap choices', () => {
    expect(readHelp(GEMINI).choices).toEqual({ '--approval-mode': ['default', 'auto_edit', 'yolo', 'plan'], '--output-format': ['text', 'json', 'stream-json'] });
    expect(readHelp(CODEX).choices).toEqual({ '--sandbox': ['read-only', 'workspace-write', 'danger-full-access'] });
  });

  it('the diff names flags and values added and removed', () => {
    expect(diffHelp(readHelp(CLAUDE_OLD), readHelp(CLAUDE_NEW))).toEqual({
      flags_added: ['--cloud'],
      flags_removed: [],
      choices_changed: [{ flag: '--permission-mode', added: ['manual'], removed: ['default'] }],
    });
  });
});

describe('the verdict', () => {
  const codexHelp = execFileSync(process.execPath, [path.join(repoRoot, 'tests', 'fixtures', 'bin', 'codex'), 'exec', '--help'], { encoding: 'utf8' });

  it('knows every flag value the driver passes, for every tool policy', () => {
    expect(valuesPassed(codexDriver)).toEqual(expect.arrayContaining([
      { flag: '--sandbox', value: 'read-only' },
      { flag: '--sandbox', value: 'workspace-write' },
      { flag: '--color', value: 'never' },
    ]));
  });

  it('a value the driver passes that the candidate no longer allows breaks it', () => {
    const newHelp = codexHelp.replace('read-only, workspace-write, danger-full-access', 'read-only, danger-full-access');
    const judged = judgeUpgrade({ driver: codexDriver, to: '0.172.0', oldHelp: codexHelp, newHelp, versionOutput: 'codex-cli 0.172.0', engine: null });
    expect(judged.verdict).toBe('breaks');
    expect(judged.reasons).toEqual(['the driver passes --sandbox workspace-write; 0.172.0 allows only read-only, danger-full-access']);
  });

  it('a flag the driver relies on that is gone, or a version it cannot read, breaks it', () => {
    const newHelp = codexHelp.replace(/--ephemeral/g, '--no-persist');
    const judged = judgeUpgrade({ driver: codexDriver, to: '0.172.0', oldHelp: codexHelp, newHelp, versionOutput: 'codex 0.172', engine: null });
    expect(judged.verdict).toBe('breaks');
    expect(judged.reasons).toEqual([
      '`codex --version` reports no version the driver can read, not 0.172.0',
      "the driver passes --ephemeral, which 0.172.0's `codex exec --help` no longer lists",
    ]);
  });

  it('a candidate whose engines.node the Node here does not meet breaks it', () => {
    const engine = { package: '@openai/codex', package_version: '0.172.0', requires: '>=99', runs_as: 'node-script' as const, node: process.version, node_path: process.execPath, ok: false };
    const judged = judgeUpgrade({ driver: codexDriver, to: '0.172.0', oldHelp: codexHelp, newHelp: codexHelp, versionOutput: 'codex-cli 0.172.0', engine });
    expect(judged.verdict).toBe('breaks');
    expect(judged.reasons[0]).toMatch(/^codex 0\.172\.0 \(@openai\/codex\) needs Node >=99/);
  });

  it('changes the driver does not use are for review; none at all is safe', () => {
    const claude = (newHelp: string) => judgeUpgrade({ driver: { ...claudeCodeDriver, requiredFlags: ['--print', '--output-format', '--permission-mode'] }, to: '2.1.332', oldHelp: CLAUDE_OLD, newHelp, versionOutput: '2.1.332 (Claude Code)', engine: null });
    expect(valuesPassed(claudeCodeDriver).some((v) => v.flag === '--permission-mode' && v.value === 'default')).toBe(false);
    expect(claude(CLAUDE_NEW)).toMatchObject({ verdict: 'review', reasons: ['--permission-mode values added manual removed default'] });
    expect(claude(CLAUDE_OLD)).toMatchObject({ verdict: 'safe', reasons: [] });
  });
});
