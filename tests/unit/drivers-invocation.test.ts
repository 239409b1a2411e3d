import { describe, expect, it } from 'vitest';
import { claudeCodeDriver } from '../../drivers/claude-code.js';
import { codexDriver } from '../../drivers/codex.js';
import { geminiDriver } from '../../drivers/gemini.js';
import { kimiDriver } from '../../drivers/kimi.js';
import { kiroDriver } from '../../drivers/kiro.js';
import { modelArgs, modelEnvVar, resolveModel } from '../../drivers/model.js';
import { authEnv, oneShotRequest } from '../../drivers/one-shot.js';
import { opencodeDriver } from '../../drivers/opencode.js';
import { normalizeBackendName } from '../../drivers/backend-name.js';
import { findDriver, getDriver, listDrivers, UnknownBackendError } from '../../drivers/registry.js';
import { TOOL_POLICIES, type DriverCall, type OneShotDriver, type ToolPolicy } from '../../drivers/types.js';

const VENDORS: OneShotDriver[] = [claudeCodeDriver, geminiDriver, codexDriver, kiroDriver, kimiDriver, opencodeDriver];

function call(toolPolicy: ToolPolicy = 'none', model?: string): DriverCall {
  return model === undefined ? { prompt: 'What is 2+2?', toolPolicy, options: {} } : { prompt: 'What is 2+2?', toolPolicy, model, options: {} };
}

/** The flag names an argv uses (`--tools=Read` -> `--tools`); subcommands and values are not flags. */
function flagsIn(args: string[]): string[] {
  return args.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0] ?? a);
}

describe('vendor driver invocations', () => {
  it('claude_code: print mode with JSON output, no session files, prompt on stdin', () => {
    const inv = claudeCodeDriver.buildInvocation(call('none', 'sonnet'));
    expect(inv.args).toEqual(['--print', '--output-format', 'json', '--no-session-persistence', '--model', 'sonnet', '--tools=']);
    expect(inv.stdin).toBe('What is 2+2?');
    expect(inv.freshWorkdir).toBe(false);
  });

  it('claude_code maps read-only to the read tools only and workspace-write to acceptEdits in a fresh workdir', () => {
    expect(claudeCodeDriver.buildInvocation(call('read-only')).args.slice(-2)).toEqual(['--tools=Read,Grep,Glob', '--allowedTools=Read,Grep,Glob']);
    const write = claudeCodeDriver.buildInvocation(call('workspace-write'));
    expect(write.args.slice(-2)).toEqual(['--permission-mode', 'acceptEdits']);
    expect(write.freshWorkdir).toBe(true);
  });

  it('gemini: headless via an empty --prompt appended to stdin, JSON output, trust skipped, plan mode unless writing', () => {
    const inv = geminiDriver.buildInvocation(call('none', 'gemini-2.5-flash'));
    expect(inv.args).toEqual(['--prompt', '', '--output-format', 'json', '--skip-trust', '--approval-mode', 'plan', '--model', 'gemini-2.5-flash']);
    expect(inv.stdin).toBe('What is 2+2?');
    expect(geminiDriver.buildInvocation(call('read-only')).args).toContain('plan');
    const write = geminiDriver.buildInvocation(call('workspace-write'));
    expect(write.args).toContain('auto_edit');
    expect(write.freshWorkdir).toBe(true);
  });

  it('codex: exec with JSONL events, sandbox by policy, prompt from stdin via "-"', () => {
    const inv = codexDriver.buildInvocation(call('read-only', 'gpt-5-codex'));
    expect(inv.args).toEqual(['exec', '--json', '--skip-git-repo-check', '--color', 'never', '--ephemeral', '--sandbox', 'read-only', '--model', 'gpt-5-codex', '-']);
    expect(inv.stdin).toBe('What is 2+2?');
    expect(codexDriver.buildInvocation(call('none')).args).toContain('read-only');
    const write = codexDriver.buildInvocation(call('workspace-write'));
    expect(write.args.slice(6, 8)).toEqual(['--sandbox', 'workspace-write']);
    expect(write.freshWorkdir).toBe(true);
  });

  it('kiro trusts no tools by default and trusts all only for workspace-write, then in a fresh workdir', () => {
    const none = kiroDriver.buildInvocation(call('none', 'claude-sonnet-4.5'));
    expect(none.args).toEqual(['chat', '--no-interactive', '--wrap', 'never', '--model', 'claude-sonnet-4.5', '--trust-tools=']);
    expect(none.freshWorkdir).toBe(false);
    expect(none.stdin).toBe('What is 2+2?');
    expect(kiroDriver.buildInvocation(call('read-only')).args).not.toContain('--trust-all-tools');
    const write = kiroDriver.buildInvocation(call('workspace-write'));
    expect(write.args).toContain('--trust-all-tools');
    expect(write.args).not.toContain('--trust-tools=');
    expect(write.freshWorkdir).toBe(true);
  });

  it('kimi always gets a fresh workdir because print mode approves every tool call', () => {
    for (const policy of TOOL_POLICIES) {
      const inv = kimiDriver.buildInvocation(call(policy));
      expect(inv.args).toEqual(['--print', '--output-format', 'stream-json']);
      expect(inv.freshWorkdir).toBe(true);
    }
    expect(kimiDriver.buildInvocation(call('none', 'kimi-k2')).args).toEqual(['--print', '--output-format', 'stream-json', '--model', 'kimi-k2']);
  });

  it('opencode: run with JSON events, the prompt on stdin and the tool policy as inline config', () => {
    const inv = opencodeDriver.buildInvocation(call('read-only', 'anthropic/claude-sonnet-4-5'));
    expect(inv.args).toEqual(['run', '--format', 'json', '--model', 'anthropic/claude-sonnet-4-5']);
    expect(inv.stdin).toBe('What is 2+2?');
    const config = JSON.parse(inv.env?.OPENCODE_CONFIG_CONTENT ?? '{}') as { permission: Record<string, string> };
    expect(config.permission).toEqual({ '*': 'deny', read: 'allow', grep: 'allow', glob: 'allow', list: 'allow' });
    const none = JSON.parse(opencodeDriver.buildInvocation(call('none')).env?.OPENCODE_CONFIG_CONTENT ?? '{}') as { permission: Record<string, string> };
    expect(none.permission).toEqual({ '*': 'deny' });
    const write = opencodeDriver.buildInvocation(call('workspace-write'));
    expect(JSON.parse(write.env?.OPENCODE_CONFIG_CONTENT ?? '{}')).toMatchObject({ permission: { edit: 'allow', '*': 'ask' } });
    expect(write.freshWorkdir).toBe(true);
  });

  it('every flag a driver passes, under any policy and with a model, is listed in requiredFlags for doctor', () => {
    for (const driver of VENDORS) {
      for (const policy of TOOL_POLICIES) {
        for (const flag of flagsIn(driver.buildInvocation(call(policy, 'some-model')).args)) {
          expect(driver.requiredFlags, `${driver.name} uses ${flag}`).toContain(flag);
        }
      }
    }
  });

  it('no driver passes a model flag when no model is chosen, and the prompt never goes into argv', () => {
    for (const driver of VENDORS) {
      const inv = driver.buildInvocation(call('none'));
      expect(inv.args, driver.name).not.toContain('--model');
      expect(inv.args.join(' '), driver.name).not.toContain('What is 2+2?');
      expect(inv.stdin, driver.name).toBe('What is 2+2?');
    }
  });
});

describe('model selection', () => {
  it('derives the env variable from the backend name', () => {
    expect(modelEnvVar('claude_code')).toBe('MITTELO_CLAUDE_CODE_MODEL');
    expect(modelEnvVar('kiro-cli')).toBe('MITTELO_KIRO_CLI_MODEL');
  });

  it('prefers an explicit model, then the env of the name asked for (alias), then the driver name', () => {
    const env = { MITTELO_GLM_MODEL: 'glm-4.6', MITTELO_CLAUDE_CODE_MODEL: 'sonnet' };
    expect(resolveModel({ backend: 'glm', driver: claudeCodeDriver, explicit: 'opus', env })).toBe('opus');
    expect(resolveModel({ backend: 'glm', driver: claudeCodeDriver, env })).toBe('glm-4.6');
    expect(resolveModel({ backend: 'claude_code', driver: claudeCodeDriver, env })).toBe('sonnet');
    expect(resolveModel({ backend: 'glm', driver: claudeCodeDriver, explicit: '  ', env: { MITTELO_CLAUDE_CODE_MODEL: 'sonnet' } })).toBe('sonnet');
    expect(resolveModel({ backend: 'gemini', env: {} })).toBeUndefined();
  });

  it('adds a model flag only for a non-empty model', () => {
    expect(modelArgs('--model', 'm')).toEqual(['--model', 'm']);
    expect(modelArgs('--model', ' ')).toEqual([]);
    expect(modelArgs('--model', undefined)).toEqual([]);
  });
});

describe('driver registry', () => {
  it('finds drivers by name or alias, ignoring case and dash/underscore', () => {
    expect(getDriver('claude_code')).toBe(claudeCodeDriver);
    expect(getDriver('glm')).toBe(claudeCodeDriver);
    expect(getDriver('Claude-Code')).toBe(claudeCodeDriver);
    expect(getDriver('kiro-cli')).toBe(kiroDriver);
    expect(findDriver('nope')).toBeUndefined();
  });

  it('an unknown backend names every known backend in its error', () => {
    expect(() => getDriver('clod')).toThrow(UnknownBackendError);
    try {
      getDriver('clod');
    } catch (error) {
      expect(error).toBeInstanceOf(UnknownBackendError);
      const message = (error as Error).message;
      for (const name of ['claude_code', 'glm', 'gemini', 'codex', 'kiro', 'kimi', 'opencode']) expect(message).toContain(name);
    }
  });

  it('lists every vendor driver once, with names and aliases unique across drivers', () => {
    const drivers = listDrivers();
    for (const vendor of VENDORS) expect(drivers.filter((d) => d === vendor)).toHaveLength(1);
    const keys = drivers.flatMap((d) => [d.name, ...d.aliases].map(normalizeBackendName));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('vendor drivers on npm carry the package and the version their flags were verified against', () => {
    expect(claudeCodeDriver).toMatchObject({ npmPackage: '@anthropic-ai/claude-code', verifiedVersion: '2.1.197' });
    expect(geminiDriver).toMatchObject({ npmPackage: '@google/gemini-cli', verifiedVersion: '0.61.0' });
    expect(codexDriver).toMatchObject({ npmPackage: '@openai/codex', verifiedVersion: '0.169.0' });
    expect(opencodeDriver).toMatchObject({ npmPackage: 'opencode-ai', verifiedVersion: '1.18.33' });
    expect(kiroDriver.npmPackage).toBeUndefined();
    expect(kimiDriver.npmPackage).toBeUndefined();
  });
});

describe('one-shot run request', () => {
  const ctx = (env?: Record<string, string>) => ({
    call: call('workspace-write', 'anthropic/claude-sonnet-4-5'),
    run: { timeoutMs: 5000, ...(env ? { env } : {}) },
    binary: { path: '/opt/bin/opencode', source: 'configured' as const },
  });

  it('runs the resolved binary with the invocation, a fresh workdir when writing, and the runner settings', () => {
    const request = oneShotRequest(opencodeDriver, ctx(), {});
    expect(request).toMatchObject({ command: '/opt/bin/opencode', args: ['run', '--format', 'json', '--model', 'anthropic/claude-sonnet-4-5'], stdin: 'What is 2+2?', freshWorkdir: true, timeoutMs: 5000 });
    expect(oneShotRequest(opencodeDriver, { ...ctx(), binary: null }, {}).command).toBe('opencode');
  });

  it('passes the CLI its credentials from the parent env; configured env and then the driver win on conflicts', () => {
    const parent = { ANTHROPIC_API_KEY: 'sk-parent', OPENAI_API_KEY: '', UNRELATED_SECRET: 'x' };
    expect(authEnv(opencodeDriver, parent)).toEqual({ ANTHROPIC_API_KEY: 'sk-parent' });
    const request = oneShotRequest(opencodeDriver, ctx({ ANTHROPIC_API_KEY: 'sk-config', OPENCODE_CONFIG_CONTENT: '{"permission":"allow"}' }), parent);
    expect(request.env?.ANTHROPIC_API_KEY).toBe('sk-config');
    expect(request.env?.UNRELATED_SECRET).toBeUndefined();
    expect(JSON.parse(request.env?.OPENCODE_CONFIG_CONTENT ?? '{}')).toMatchObject({ permission: { '*': 'ask', edit: 'allow' } });
  });
});
