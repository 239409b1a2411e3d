import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../core/compare/compare.js';
import { renderComparison, shouldUseColor } from '../../core/compare/render.js';
import { TEXT_DIFF_LINES } from '../../core/compare/render-text.js';
import { fail, pass, record, task } from '../fixtures/run-records.js';

const ANSI = /\x1b\[/;

function runs() {
  const a = record({ run_id: 'run-a', label: 'baseline' }, [
    task({ prompt_id: 'greet', backend: 'claude_code', result: 'Hello there.\nHow are you?\n', checks: [pass('contains "Hello"')], artifact: { cli_version: '2.1.197', latency_ms: 1200, cost_usd: 0.012 } }),
    task({ prompt_id: 'sum', backend: 'claude_code', result: 'The sum is 4.\n', artifact: { cli_version: '2.1.197', latency_ms: 900, cost_usd: 0.01 } }),
    task({ prompt_id: 'same', backend: 'echo', result: 'echo' }),
    task({ prompt_id: 'flaky', backend: 'echo', status: 'failed' }),
  ]);
  const b = record({ run_id: 'run-b' }, [
    task({ prompt_id: 'greet', backend: 'claude_code', result: 'Hi.\n', checks: [fail('contains "Hello"')], artifact: { cli_version: '2.2.0', latency_ms: 1500, cost_usd: 0.015 } }),
    task({ prompt_id: 'sum', backend: 'claude_code', result: 'The sum is four.\n', artifact: { cli_version: '2.2.0', latency_ms: 800, cost_usd: null } }),
    task({ prompt_id: 'same', backend: 'echo', result: 'echo' }),
    task({ prompt_id: 'flaky', backend: 'echo', result: 'works now' }),
  ]);
  return compareRuns(a, b);
}

describe('text report', () => {
  it('puts the verdict and counts first, then new failures before fixes and changes; unchanged pairs only counted', () => {
    const text = renderComparison(runs(), { format: 'text', color: false });
    const out = text.split('\n');
    expect(out[0]).toBe('Comparing runs');
    expect(out[1]).toContain('run-a "baseline"');
    expect(out[2]).toContain('run-b');
    expect(text).toContain('GATE FAILED: 1 reason\n  ✗ greet on claude_code: passed 1/1 (100%) in A, 0/1 (0%) in B');
    expect(text).toContain('prompts × backends: regressed 1 · improved 1 · flaky 0 · changed 1 · stable fail 0 · stable pass 1 · only in A 0 · only in B 0  (4 rows)');
    expect(text).toContain('new failure 1 · fixed 1 · changed 1 · still failing 0 · only in A 0 · only in B 0 · unchanged 1  (4 pairs)');
    expect(text).toContain('claude_code 2.1.197 → 2.2.0');
    const regressed = text.indexOf('REGRESSED · claude_code · greet · A 1/1 (100%) → B 0/1 (0%)');
    const changed = text.indexOf('CHANGED · claude_code · sum');
    const improved = text.indexOf('IMPROVED · echo · flaky');
    expect(regressed).toBeGreaterThan(text.indexOf('By backend'));
    expect(changed).toBeGreaterThan(regressed);
    expect(improved).toBeGreaterThan(changed);
    expect(text).not.toContain('STABLE PASS ·');
    expect(text.endsWith('\n')).toBe(false);
  });

  it('details a pair: likely cause, failing check, deltas with unknown cost left out, compact unified diff', () => {
    const text = renderComparison(runs(), { format: 'text', color: false });
    const greet = text.slice(text.indexOf('REGRESSED ·'), text.indexOf('CHANGED ·'));
    expect(greet).toContain('likely cause: claude_code 2.1.197 → 2.2.0');
    expect(greet).toContain('check now failing: contains "Hello" (not found in the answer)');
    expect(greet).toContain('latency +300 ms (+25.0%) · cost +$0.0030');
    expect(greet).toContain('  @@ -1,2 +1,1 @@');
    expect(greet).toContain('  -Hello there.');
    expect(greet).toContain('  -How are you?');
    expect(greet).toContain('  +Hi.');
    const sum = text.slice(text.indexOf('CHANGED ·'), text.indexOf('IMPROVED ·'));
    expect(sum).toContain('latency −100 ms (−11.1%)');
    expect(sum).not.toContain('cost');
  });

  it('has no ANSI codes without colour, and colours lines and changed words with it', () => {
    expect(renderComparison(runs(), { format: 'text', color: false })).not.toMatch(ANSI);
    const coloured = renderComparison(runs(), { format: 'text', color: true });
    expect(coloured).toContain('\x1b[31m-The sum is \x1b[7m4\x1b[27m.\x1b[0m');
    expect(coloured).toContain('\x1b[32m+The sum is \x1b[7mfour\x1b[27m.\x1b[0m');
  });

  it('shows control characters from an answer escaped, so an answer cannot drive the terminal', () => {
    const a = record({}, [task({ prompt_id: 'p', result: 'safe\n' })]);
    const b = record({}, [task({ prompt_id: 'p', result: 'evil \x1b[2J\x1b]0;title\x07 text\n' })]);
    const text = renderComparison(compareRuns(a, b), { format: 'text', color: false });
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(text).toContain('+evil \\x1b[2J\\x1b]0;title\\x07 text');
  });

  it('prints at most TEXT_DIFF_LINES diff lines per pair and says how many more there are', () => {
    const many = (tag: string) => Array.from({ length: 200 }, (_, i) => `line ${i} ${tag}`).join('\n');
    const c = compareRuns(record({}, [task({ prompt_id: 'p', result: many('a') })]), record({}, [task({ prompt_id: 'p', result: many('b') })]));
    const text = renderComparison(c, { format: 'text', color: false });
    const diffLines = text.split('\n').filter((line) => /^ {2}[-+ ]line /.test(line));
    expect(diffLines).toHaveLength(TEXT_DIFF_LINES);
    expect(text).toContain(`… ${400 - TEXT_DIFF_LINES} more diff lines`);
  });

  it('shows the start of an answer that is only in one run, and keeps very long lines to a terminal’s measure', () => {
    const long = 'x'.repeat(5_000);
    const a = record({}, [task({ prompt_id: 'p', result: `short\n${long}\n` })]);
    const b = record({}, [task({ prompt_id: 'p', result: `short\n${long}y\n` }), task({ prompt_id: 'q', result: 'first line\nsecond line' })]);
    const text = renderComparison(compareRuns(a, b), { format: 'text', color: false });
    expect(text).toContain('ONLY IN B · echo · q');
    expect(text).toContain('  │ first line\n  │ second line');
    const longest = Math.max(...text.split('\n').map((line) => line.length));
    expect(longest).toBeLessThan(500);
  });

  it('says no regressions when there are none', () => {
    const a = record({}, [task({ prompt_id: 'p' })]);
    expect(renderComparison(compareRuns(a, a), { format: 'text', color: false })).toContain('No regressions.');
  });
});

describe('JSON report', () => {
  it('is the Comparison object as is', () => {
    const c = runs();
    expect(JSON.parse(renderComparison(c, { format: 'json', color: true }))).toEqual(JSON.parse(JSON.stringify(c)));
  });
});

describe('HTML report', () => {
  const HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>\'';

  function hostileReport(): string {
    const a = record({ run_id: 'run-<a>', label: '</title><script>x()</script>' }, [
      task({ prompt_id: '<b>id</b>', backend: 'echo"><svg onload=alert(3)>', prompt: HOSTILE, result: `before\n${HOSTILE}\nafter\n` }),
      task({ prompt_id: 'gone', result: HOSTILE }),
    ]);
    const b = record({ run_id: 'run-b' }, [
      task({ prompt_id: '<b>id</b>', backend: 'echo"><svg onload=alert(3)>', prompt: HOSTILE, result: `before\n${HOSTILE} <iframe src="javascript:alert(4)">\nafter\n` }),
      task({ prompt_id: 'new', status: 'failed', error: HOSTILE }),
    ]);
    return renderComparison(compareRuns(a, b), { format: 'html', color: false });
  }

  it('escapes every string from the runs: no script, no event handler, only the report’s own tags', () => {
    const page = hostileReport();
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img|<svg|<iframe/i);
    const tags = [...page.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)];
    const allowed = new Set(['html', 'head', 'meta', 'title', 'style', 'body', 'h1', 'h2', 'table', 'tr', 'td', 'th', 'p', 'div', 'span', 'b', 'ul', 'li', 'details', 'summary', 'pre', 'colgroup', 'col']);
    for (const [, name, attributes] of tags) {
      expect(allowed.has((name ?? '').toLowerCase()), `tag <${name}>`).toBe(true);
      expect(attributes ?? '').not.toMatch(/\bon[a-z]+\s*=/i);
      expect(attributes ?? '').not.toMatch(/javascript:/i);
    }
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;&#39;');
    expect(page).toContain('&lt;b&gt;id&lt;/b&gt;');
    expect(page).toContain('echo&quot;&gt;&lt;svg onload=alert(3)&gt;');
  });

  it('is self-contained and forbids scripts by policy', () => {
    const page = hostileReport();
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
    expect(page).not.toMatch(/(src|href)=["']?(https?:|\/\/)/i);
    expect(page).toContain('<style>');
  });

  it('shows the diff side by side with word highlights, and the verdict and counts first', () => {
    const page = renderComparison(runs(), { format: 'html', color: false });
    const verdict = page.indexOf('<p class="verdict bad">GATE FAILED: 1 reason</p>');
    expect(verdict).toBeGreaterThan(0);
    expect(page).toContain('<li class="fail">✗ greet on claude_code: passed 1/1 (100%) in A, 0/1 (0%) in B');
    expect(page.indexOf('<table class="grid matrix">')).toBeGreaterThan(verdict);
    expect(page).toContain('<td class="cell v-regressed" title="regressed">100% → <b>0%</b></td>');
    expect(page.indexOf('<details class="pair"')).toBeGreaterThan(page.indexOf('<table class="grid matrix">'));
    expect(page).toContain('<td class="ln">1</td><td class="code del">The sum is <span class="wd">4</span>.</td><td class="ln">1</td><td class="code ins">The sum is <span class="wi">four</span>.</td>');
    expect(page).toContain('Likely cause: claude_code 2.1.197 → 2.2.0');
    expect(page).toContain('Stable pass (1)');
  });
});

describe('shouldUseColor', () => {
  it('colours a terminal unless NO_COLOR is set or TERM is dumb; FORCE_COLOR forces it', () => {
    expect(shouldUseColor({ isTTY: true }, {})).toBe(true);
    expect(shouldUseColor({ isTTY: false }, {})).toBe(false);
    expect(shouldUseColor({}, {})).toBe(false);
    expect(shouldUseColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(shouldUseColor({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(shouldUseColor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
  });
});
