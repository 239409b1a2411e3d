import { describe, expect, it } from 'vitest';
import { parsePack } from '../../core/pack.js';

describe('parsePack', () => {
  it('reads prompts with ids, backends and expect checks, skipping blank and // lines', () => {
    const entries = parsePack('{"id":"a","prompt":"one","expect":{"contains":"x"}}\n\n// note\n{"prompt":"two","backend":"echo"}\n', 'p.jsonl');
    expect(entries).toEqual([
      { id: 'a', prompt: 'one', expect: { contains: 'x' } },
      { prompt: 'two', backend: 'echo' },
    ]);
  });

  it('names file and line for bad JSON, a blank prompt, an unknown expect check and a repeated id', () => {
    expect(() => parsePack('{"prompt":"ok"}\n{nope', 'p.jsonl')).toThrow(/^p\.jsonl:2: not valid JSON/);
    expect(() => parsePack('{"prompt":"  "}', 'p.jsonl')).toThrow(/p\.jsonl:1: prompt: must not be blank/);
    expect(() => parsePack('{"prompt":"a","expect":{"contain":"x"}}', 'p.jsonl')).toThrow(/p\.jsonl:1: expect/);
    expect(() => parsePack('{"id":"same","prompt":"a"}\n{"id":"other","prompt":"b"}\n{"id":"same","prompt":"c"}', 'p.jsonl')).toThrow(
      'p.jsonl:3: id "same" is already used on line 1',
    );
  });

  it('refuses a pack without prompts', () => {
    expect(() => parsePack('\n// only a comment\n', 'empty.jsonl')).toThrow('empty.jsonl: the pack has no prompts');
  });
});
