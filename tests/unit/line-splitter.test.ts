import { describe, expect, it } from 'vitest';
import { LineSplitter, LineTooLongError } from '../../drivers/run/line-splitter.js';

describe('LineSplitter', () => {
  it('returns several lines from one chunk and keeps the partial tail', () => {
    const splitter = new LineSplitter(1024);
    expect(splitter.push(Buffer.from('{"a":1}\n{"b":2}\n{"c"'))).toEqual(['{"a":1}', '{"b":2}']);
    expect(splitter.push(Buffer.from(':3}\n'))).toEqual(['{"c":3}']);
  });

  it('joins a line split across many chunks, including inside a multi-byte character', () => {
    const splitter = new LineSplitter(1024);
    const bytes = Buffer.from('{"prompt":"héllo ✓"}\n');
    const lines: string[] = [];
    for (const byte of bytes) lines.push(...splitter.push(Buffer.from([byte])));
    expect(lines).toEqual(['{"prompt":"héllo ✓"}']);
  });

  it('strips a trailing carriage return', () => {
    expect(new LineSplitter(64).push(Buffer.from('x\r\n'))).toEqual(['x']);
  });

  it('throws once a partial line exceeds the limit, without waiting for its newline', () => {
    const splitter = new LineSplitter(10);
    splitter.push(Buffer.from('12345'));
    expect(() => splitter.push(Buffer.from('678901'))).toThrow(LineTooLongError);
  });

  it('accepts a line of exactly the limit', () => {
    expect(new LineSplitter(5).push(Buffer.from('12345\n'))).toEqual(['12345']);
  });
});
