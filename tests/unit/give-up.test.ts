import { afterEach, expect, it } from 'vitest';
import { GiveUpWatch, giveUpLimits } from '../../drivers/give-up.js';

const rule = { failure: 'network' as const, pattern: /Reconnecting\.\.\./, meaning: 'kept saying it cannot reach the network' };
const watches: GiveUpWatch[] = [];
const watch = (lines: number, seconds = 0) => {
  const made = new GiveUpWatch('codex', rule, { lines, seconds });
  watches.push(made);
  return made;
};
afterEach(() => watches.splice(0).forEach((w) => w.stop()));

it('counts whole lines, however the output is chunked, on either stream', () => {
  const w = watch(3);
  w.onOutput('stdout', 'Reconn');
  w.onOutput('stdout', 'ecting... 1/5\nReconnecting... 2/5');
  expect(w.signal.aborted).toBe(false);
  w.onOutput('stdout', '\n');
  w.onOutput('stderr', 'unrelated\nReconnecting... 3/5\n');
  expect(w.signal.aborted).toBe(true);
  expect(w.verdict).toMatchObject({ failure: 'network' });
  expect(w.verdict?.message).toMatch(/^codex kept saying it cannot reach the network \(3 times in [\d.]+ s; last: Reconnecting\.\.\. 3\/5\)/);
});

it('a partial line is not a match until it ends, and other lines never count', () => {
  const w = watch(1);
  w.onOutput('stdout', 'all good\nstill good\nReconnecting...');
  expect(w.signal.aborted).toBe(false);
  w.onOutput('stdout', ' 1/5\n');
  expect(w.signal.aborted).toBe(true);
});

it('the time limit runs from the first matching line', async () => {
  const w = watch(0, 0.2);
  w.onOutput('stdout', 'Reconnecting... 1/5\n');
  expect(w.signal.aborted).toBe(false);
  await new Promise((resolve) => w.signal.addEventListener('abort', resolve));
  expect(w.verdict?.message).toContain('(once in');
});

it('backend options set the limits; a bad value is an error naming the option', () => {
  expect(giveUpLimits({ prompt: 'p', toolPolicy: 'none', options: {} })).toEqual({ lines: 3, seconds: 30 });
  expect(giveUpLimits({ prompt: 'p', toolPolicy: 'none', options: { give_up_after: '5', give_up_seconds: '0' } })).toEqual({ lines: 5, seconds: 0 });
  expect(() => giveUpLimits({ prompt: 'p', toolPolicy: 'none', options: { give_up_after: 'many' } })).toThrow('backend option give_up_after must be a number of lines >= 0, got "many"');
});
