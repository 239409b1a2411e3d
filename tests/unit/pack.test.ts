import { describe, expect, it } from 'vitest';
import { parsePack } from '../../core/pack.js';
import { packHeader } from '../../core/pack-header.js';

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

describe('pack header', () => {
  const pack = '{"pack":{"repeat":5,"gate":{"min_repeats":5,"alpha":0.01,"max_pass_rate_drop":0.1,"allow_flaky":false}}}\n{"id":"a","prompt":"one"}\n';

  it('sets the default repeat and the gate policy, and is not a prompt', () => {
    expect(packHeader(pack, 'p.jsonl')).toEqual({ repeat: 5, gate: { min_repeats: 5, alpha: 0.01, max_pass_rate_drop: 0.1, allow_flaky: false } });
    expect(parsePack(pack, 'p.jsonl')).toEqual([{ id: 'a', prompt: 'one' }]);
    expect(packHeader('{"prompt":"x"}', 'p.jsonl')).toEqual({});
  });

  it('refuses a bad or second header, naming file, line and field', () => {
    expect(() => parsePack('{"pack":{"repeat":0}}\n{"prompt":"x"}', 'p.jsonl')).toThrow(/^p\.jsonl:1: pack header: pack\.repeat: /);
    expect(() => parsePack('{"pack":{"gate":{"alpha":1.5}}}\n{"prompt":"x"}', 'p.jsonl')).toThrow(/p\.jsonl:1: pack header: pack\.gate\.alpha/);
    expect(() => parsePack('{"pack":{"repat":3}}\n{"prompt":"x"}', 'p.jsonl')).toThrow(/p\.jsonl:1: pack header: pack: Unrecognized key/);
    expect(() => packHeader('{"pack":{}}\n{"pack":{}}', 'p.jsonl')).toThrow('p.jsonl:2: a second pack header (the first is on line 1)');
    expect(() => parsePack('{"pack":{"repeat":2}}', 'p.jsonl')).toThrow('p.jsonl: the pack has no prompts');
  });
});
