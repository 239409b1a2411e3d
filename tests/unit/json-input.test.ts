import { describe, expect, it } from 'vitest';
import { JsonTooDeepError, assertJsonDepth, parseJsonInput } from '../../core/json-input.js';

function deepError(text: string, max?: number): JsonTooDeepError {
  try {
    assertJsonDepth(text, 'the request', max);
  } catch (err) {
    if (err instanceof JsonTooDeepError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('JSON depth bound on text', () => {
  it('accepts exactly the bound and refuses one level more', () => {
    expect(parseJsonInput('['.repeat(64) + ']'.repeat(64))).toBeDefined();
    expect(() => parseJsonInput('['.repeat(65) + ']'.repeat(65))).toThrow(/nests deeper than 64 levels \(at \[0\]\[0\]/);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const tricky = JSON.stringify({ text: '[[[[{{{{ \\" ]]" ' + '['.repeat(500), more: ['"\\\\', '{'.repeat(100)] });
    expect(parseJsonInput(tricky, 'x', 3)).toEqual(JSON.parse(tricky));
  });

  it('names the path to the deep part and the top-level id that came before it', () => {
    const error = deepError('{"id":{"n":[1,2]},"method":"ack","params":{"list":[0,1,{"k":[[[[[1]]]]]}]}}', 6);
    expect(error.path).toBe('params.list[2].k[0][0]');
    expect(error.id).toEqual({ n: [1, 2] });
    expect(error.message).toBe('the request nests deeper than 6 levels (at params.list[2].k[0][0]); it was refused');
  });

  it('gives no id when the id itself is the deep part, and shortens long paths', () => {
    const error = deepError(`{"id":${'['.repeat(100)}`);
    expect(error.id).toBeNull();
    expect(error.path).toBe('id[0][0][0][0][0][0][0]…');
  });

  it('leaves syntax errors to JSON.parse', () => {
    expect(() => parseJsonInput('{"a":')).toThrow(SyntaxError);
  });
});
