import { describe, expect, it } from 'vitest';
import { hasFlag, helpArgsOf } from '../../core/agent/flag-check.js';
import { backoffDelay } from '../../core/agent/swarm.js';

describe('hasFlag', () => {
  it('finds a flag as a whole token wherever help puts it', () => {
    expect(hasFlag('  -m, --model <MODEL>  Model to use', '--model')).toBe(true);
    expect(hasFlag('--model=x', '--model')).toBe(true);
    expect(hasFlag('  --allowedTools, --allowed-tools <tools...>', '--allowedTools')).toBe(true);
    expect(hasFlag('[--json]', '--json')).toBe(true);
    expect(hasFlag('--json\n', '--json')).toBe(true);
  });

  it('does not take a longer flag or a word for it', () => {
    expect(hasFlag('  --model-foo <x>', '--model')).toBe(false);
    expect(hasFlag('  --no-model', '--model')).toBe(false);
    expect(hasFlag('  ---model', '--model')).toBe(false);
    expect(hasFlag('  --jsonl', '--json')).toBe(false);
    expect(hasFlag('print the model', '--model')).toBe(false);
  });

  it('treats regex characters in a flag literally', () => {
    expect(hasFlag('  --a.b', '--a.b')).toBe(true);
    expect(hasFlag('  --axb', '--a.b')).toBe(false);
  });

  it('reads the top-level --help unless the driver names a subcommand', () => {
    expect(helpArgsOf({})).toEqual(['--help']);
    expect(helpArgsOf({ helpArgs: ['exec', '--help'] })).toEqual(['exec', '--help']);
  });
});

describe('swarm restart backoff', () => {
  it('doubles from 1 s and stops at 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((n) => backoffDelay(n))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });
});
