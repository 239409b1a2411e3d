/**
 * The one backend-name rule (drivers/backend-name.ts) that the wire, packs, the UI contract and MCP
 * share: which spellings are names at all, and the one routing spelling they are compared in.
 */
import { describe, expect, it } from 'vitest';
import { backendName, normalizeBackendName, routedBackendName } from '../../drivers/backend-name.js';
import { HUB_METHODS } from '../../core/wire/contract.js';
import { packEntrySchema } from '../../core/pack.js';
import { API_CALLS } from '../../core/api.js';

describe('backend names', () => {
  it('routes in one spelling: lower case, _ for -', () => {
    expect(normalizeBackendName('Claude-Code')).toBe('claude_code');
    expect(normalizeBackendName('claude_code')).toBe('claude_code');
    expect(normalizeBackendName(' Kimi-Code ')).toBe('kimi_code');
    // Aliases stay distinct: only case and dashes are folded.
    expect(normalizeBackendName('glm')).toBe('glm');
    expect(normalizeBackendName('gpt-4.1')).toBe('gpt_4.1');
  });

  it('accepts letters, digits and _ . - up to 64 characters, nothing that could be a path', () => {
    for (const good of ['echo', 'Claude-Code', 'check.run-1', '_x', 'a'.repeat(64)]) expect(backendName.safeParse(good).success, good).toBe(true);
    for (const bad of ['', 'no spaces', '../etc', '.hidden', '-dash', 'a/b', 'a'.repeat(65), 'ünïcode']) expect(backendName.safeParse(bad).success, bad).toBe(false);
    expect(backendName.safeParse('no spaces').error?.issues[0]?.message).toMatch(/must be a backend name/);
  });

  it('keeps the spelling where a name is a name (a folder, a setting) and folds it where the hub routes', () => {
    expect(backendName.parse('My-Backend')).toBe('My-Backend');
    expect(routedBackendName.parse('My-Backend')).toBe('my_backend');
  });

  it('is the same rule at every edge: wire, pack, UI contract', () => {
    const name = 'Bad Name';
    expect(HUB_METHODS.enqueue.params.safeParse({ prompt: 'p', backend: name }).success).toBe(false);
    expect(packEntrySchema.safeParse({ prompt: 'p', backend: name }).success).toBe(false);
    expect(API_CALLS['agents.start'].input.safeParse({ backend: name }).success).toBe(false);
    expect(HUB_METHODS.enqueue.params.parse({ prompt: 'p', backend: 'Claude-Code' }).backend).toBe('claude_code');
    expect(HUB_METHODS.lease.params.parse({ backends: ['Claude-Code', 'gemini'] }).backends).toEqual(['claude_code', 'gemini']);
  });
});
