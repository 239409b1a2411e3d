import type { PermissionOption } from '@agentclientprotocol/sdk';
import { describe, expect, it } from 'vitest';
import { CommandLineError, splitCommandLine } from '../../drivers/command-line.js';
import { decidePermission } from '../../drivers/acp/turn.js';

describe('splitCommandLine', () => {
  it('splits on unquoted blanks and keeps quoted text literally', () => {
    expect(splitCommandLine(`gemini  --acp\t--model 'gemini 2.5' "say \\"hi\\""`)).toEqual(['gemini', '--acp', '--model', 'gemini 2.5', 'say "hi"']);
  });

  it('joins adjacent quoted and unquoted pieces and keeps empty quotes as an empty argument', () => {
    expect(splitCommandLine(`tool --name="a b"c '' x\\ y`)).toEqual(['tool', '--name=a bc', '', 'x y']);
  });

  it('expands nothing: globs, tildes and single-quoted dollars stay as written', () => {
    expect(splitCommandLine(`ls *.txt ~/x '$HOME' 'a|b'`)).toEqual(['ls', '*.txt', '~/x', '$HOME', 'a|b']);
  });

  it('keeps a backslash inside double quotes unless it escapes a quote or a backslash', () => {
    expect(splitCommandLine(`printf "a\\nb\\\\c"`)).toEqual(['printf', 'a\\nb\\c']);
  });

  it.each([
    ['cat | tr a-z A-Z', '|'],
    ['run; rm -rf x', ';'],
    ['echo $HOME', '$'],
    ['echo "$HOME"', '$'],
    ['out > file', '>'],
    ['sleep 1 &', '&'],
    ['echo `id`', '`'],
  ])('refuses shell syntax instead of passing it on: %s', (line, symbol) => {
    expect(() => splitCommandLine(line)).toThrow(CommandLineError);
    expect(() => splitCommandLine(line)).toThrow(new RegExp(`"\\${symbol}".*sh -c`));
  });

  it('lets the user choose a shell explicitly', () => {
    expect(splitCommandLine(`sh -c 'tr a-z A-Z | rev'`)).toEqual(['sh', '-c', 'tr a-z A-Z | rev']);
  });

  it.each([[''], ['   '], [`'open`], [`"open`], ['trailing\\']])('rejects an empty or unterminated line: %j', (line) => {
    expect(() => splitCommandLine(line)).toThrow(CommandLineError);
  });
});

describe('ACP permission decisions by tool policy', () => {
  const options: Pick<PermissionOption, 'optionId' | 'kind'>[] = [
    { optionId: 'a1', kind: 'allow_once' },
    { optionId: 'a2', kind: 'allow_always' },
    { optionId: 'r1', kind: 'reject_once' },
  ];

  it('none rejects every tool, reads included', () => {
    expect(decidePermission('none', 'read', options)).toEqual({ outcome: { outcome: 'selected', optionId: 'r1' }, decision: 'denied' });
  });

  it('read-only allows looking and rejects changing or unknown kinds', () => {
    expect(decidePermission('read-only', 'search', options).decision).toBe('allowed');
    for (const kind of ['edit', 'delete', 'move', 'execute', 'fetch', 'other', undefined]) {
      expect(decidePermission('read-only', kind, options).decision).toBe('denied');
    }
  });

  it('workspace-write allows once, preferring allow_once over allow_always', () => {
    expect(decidePermission('workspace-write', 'execute', options).outcome).toEqual({ outcome: 'selected', optionId: 'a1' });
  });

  it('without a fitting option the request is answered cancelled', () => {
    expect(decidePermission('none', 'edit', [{ optionId: 'a1', kind: 'allow_once' }])).toEqual({ outcome: { outcome: 'cancelled' }, decision: 'cancelled' });
  });
});
