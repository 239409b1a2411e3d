/**
 * The regex check's linear-time engine: JavaScript-style patterns keep working, what RE2 cannot run
 * is refused with a reason (at pack load, and as the check's detail for a run imported from before),
 * and a catastrophic pattern is just a pattern.
 */
import { describe, expect, it } from 'vitest';
import { parsePack } from '../../core/pack.js';
import { runChecks } from '../../core/runs/expect.js';
import { linearRegex, regexProblem } from '../../core/runs/safe-regex.js';

const matches = (pattern: string, text: string) => linearRegex(pattern).test(text);

describe('linearRegex', () => {
  it('answers the patterns that backtracking engines spend hours on', () => {
    // With JavaScript's RegExp each extra "a" doubles the time: 40 of them is days, not a test.
    expect(matches('^(a+)+$', `${'a'.repeat(40)}!`)).toBe(false);
    expect(matches('^(a|aa)+$', `${'a'.repeat(5000)}!`)).toBe(false);
    expect(matches('(x+x+)+y', 'x'.repeat(10_000))).toBe(false);
    expect(matches('^(a+)+$', 'a'.repeat(40))).toBe(true);
  });

  it('reads /pattern/flags as JavaScript does: i, m, s, y; other text is a bare pattern', () => {
    expect(matches('/hello/i', 'HeLLo')).toBe(true);
    expect(matches('hello', 'HeLLo')).toBe(false);
    expect(matches('/^b$/m', 'a\nb\nc')).toBe(true);
    expect(matches('/^b$/', 'a\nb\nc')).toBe(false);
    expect(matches('/a.b/s', 'a\nb')).toBe(true);
    expect(matches('/a.b/', 'a\nb')).toBe(false);
    expect(matches('/ab/y', 'xab')).toBe(false);
    expect(matches('/ab/y', 'abx')).toBe(true);
    expect(matches('/ab/gu', 'xxab')).toBe(true);
    // Not a literal (b is no flag): the slashes are part of the pattern, as before.
    expect(matches('/a/b', 'x/a/b')).toBe(true);
  });

  it('understands the JavaScript spellings RE2 lacks: \\uXXXX, \\u{X}, \\cX, [^]', () => {
    expect(matches('\\u0041\\u{1F600}', 'A😀')).toBe(true);
    expect(matches('[\\u0061-\\u0063]+$', 'xabc')).toBe(true);
    expect(matches('\\\\u0041', '\\u0041')).toBe(true); // an escaped backslash, then "u0041" as text
    expect(matches('a\\cJb', 'a\nb')).toBe(true);
    expect(matches('a[^]b', 'a\nb')).toBe(true);
    // Inside a class, [^] is not "any character": a class of [ and ^, then ] (as in JavaScript).
    expect(matches('[[^]]', '^]')).toBe(true);
    expect(matches('[[^]]', '^')).toBe(false);
  });

  it('keeps what RE2 has: classes, unicode, named groups, lazy repeats, lookbehind', () => {
    expect(matches('\\d{3}-\\d{4}', 'call 555-1234')).toBe(true);
    expect(matches('^\\p{L}+$', 'héllo')).toBe(true);
    expect(matches('(?<word>\\w+) done', 'all done')).toBe(true);
    expect(matches('<.+?>', '<a><b>')).toBe(true);
    expect(matches('(?<=\\$)\\d+', 'costs $42')).toBe(true);
    expect(matches('(?<!\\$)\\b\\d+', '$42')).toBe(false);
  });

  it('refuses backreferences and lookahead, saying so', () => {
    expect(regexProblem('(a)\\1')).toMatch(/backreferences .* not supported by the linear-time regex engine/);
    expect(regexProblem('(?<x>a)\\k<x>')).toMatch(/backreferences/);
    expect(regexProblem('foo(?=bar)')).toMatch(/lookahead .* not supported/);
    expect(regexProblem('foo(?!bar)')).toMatch(/lookahead .* not supported/);
    expect(regexProblem('(?<=(a))b')).toMatch(/lookbehind may not contain a capturing group/);
    expect(regexProblem('a{2,5000}')).toMatch(/RE2 syntax.*invalid repeat count/);
    expect(regexProblem('(unclosed')).toMatch(/RE2 syntax.*missing closing \)/);
    expect(regexProblem('a'.repeat(10_001))).toBe('the pattern is longer than 10000 characters');
    expect(regexProblem(42 as unknown as string)).toBe('the pattern must be a string, not 42');
    expect(regexProblem('^ok$')).toBeNull();
  });
});

describe('regex checks', () => {
  it('a catastrophic pattern fails its check quickly instead of holding the hub', () => {
    const [check] = runChecks({ regex: '^(a+)+$' }, `${'a'.repeat(40)}!`, null);
    expect(check).toMatchObject({ check: 'matches ^(a+)+$', pass: false, detail: 'does not match' });
  });

  it('a pattern stored before the linear-time engine (an imported run) fails its check with the reason', () => {
    const [check] = runChecks({ regex: 'answer(?= is)' }, 'the answer is 42', null);
    expect(check?.pass).toBe(false);
    expect(check?.detail).toMatch(/^invalid regex: lookahead .* not supported/);
  });

  it('a pack with a pattern RE2 cannot run is refused at load, naming line and field', () => {
    expect(() => parsePack('{"prompt":"a","expect":{"regex":"^ok$"}}\n{"prompt":"b","expect":{"regex":"(a)\\\\1"}}', 'p.jsonl')).toThrow(
      /^p\.jsonl:2: expect\.regex: backreferences/,
    );
    expect(parsePack('{"prompt":"a","expect":{"regex":"/^OK$/im"}}', 'p.jsonl')).toEqual([{ prompt: 'a', expect: { regex: '/^OK$/im' } }]);
  });
});
