/**
 * The comparison as terminal text: the verdict and counts first, then each pair worth reading
 * (new failures first) with its deltas and a compact unified diff. Answers are untrusted, so control
 * characters are shown escaped, never sent to the terminal.
 */
import {
  CATEGORY_LABELS,
  DETAILED_VERDICTS,
  VERDICT_LABELS,
  describeStatus,
  distributionText,
  examplePair,
  gateHeadline,
  policyText,
  rowTitle,
  formatCost,
  formatCount,
  formatDate,
  formatDelta,
  formatMs,
  formatPair,
  plural,
  printable,
  promptTitle,
} from './format.js';
import { touchedText, type WorkspaceComparison } from './workspace.js';
import { ROW_VERDICTS, type ComparedPair, type Comparison, type DiffLine, type DiffSegment, type PairCategory, type PairSide, type PromptRow, type RowVerdict, type RunRef } from './types.js';

/** Diff lines printed per pair; the HTML report shows them all. */
export const TEXT_DIFF_LINES = 40;
/** Characters printed of one diff line. */
const TEXT_LINE_CHARS = 400;
/** Answer lines printed for a pair only in one run. */
const EXCERPT_LINES = 5;
/** Gate reasons listed in the summary; the rows below give every one. */
const TEXT_FINDINGS = 10;
/** Rows detailed in the terminal; the HTML report and --json have them all. */
export const TEXT_ROWS = 50;

const CODES = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', cyan: '36', inverse: '7' } as const;
type Style = keyof typeof CODES;

const VERDICT_STYLE: Record<RowVerdict, Style> = {
  regressed: 'red',
  improved: 'green',
  flaky: 'yellow',
  changed: 'yellow',
  'stable-fail': 'red',
  'stable-pass': 'dim',
  'only-in-a': 'cyan',
  'only-in-b': 'cyan',
};

const CATEGORY_STYLE: Record<PairCategory, Style> = {
  new_failure: 'red',
  fixed: 'green',
  changed: 'yellow',
  still_failing: 'red',
  only_in_a: 'cyan',
  only_in_b: 'cyan',
  unchanged: 'dim',
};

class Out {
  readonly lines: string[] = [];
  constructor(readonly color: boolean) {}

  paint(text: string, ...styles: Style[]): string {
    if (!this.color || styles.length === 0 || text === '') return text;
    return `\x1b[${styles.map((s) => CODES[s]).join(';')}m${text}\x1b[0m`;
  }

  line(text = ''): void {
    this.lines.push(text);
  }
}

function runLine(name: string, run: RunRef): string {
  const label = run.label ? ` "${printable(run.label)}"` : '';
  return `  ${name}  ${printable(run.run_id)}${label} · pack ${printable(run.pack_name)} · ${formatDate(run.created_at)} · ${plural(run.tasks, 'task')}`;
}

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => `  ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')}`.trimEnd());
}

function summary(out: Out, c: Comparison): void {
  out.line(out.paint('Comparing runs', 'bold'));
  out.line(runLine('A', c.a));
  out.line(runLine('B', c.b));
  out.line();
  const { counts, verdicts } = c.summary;
  out.line(out.paint(gateHeadline(c), 'bold', c.gate.pass ? 'green' : 'red'));
  for (const finding of c.gate.failures.slice(0, TEXT_FINDINGS)) out.line(`  ${out.paint('✗', 'red')} ${printable(finding.text)}`);
  if (c.gate.failures.length > TEXT_FINDINGS) out.line(`  ${out.paint('✗', 'red')} … and ${c.gate.failures.length - TEXT_FINDINGS} more (below, most significant first)`);
  for (const finding of c.gate.warnings) out.line(`  ${out.paint('!', 'yellow')} ${printable(finding.text)}`);
  out.line(out.paint(`  policy: ${policyText(c.gate.policy)} (${printable(c.gate.policy_source)})`, 'dim'));
  out.line();
  const verdictParts = ROW_VERDICTS.map((v) => {
    const text = `${VERDICT_LABELS[v]} ${verdicts[v]}`;
    return verdicts[v] > 0 && v !== 'stable-pass' ? out.paint(text, VERDICT_STYLE[v]) : text;
  });
  out.line(`  prompts × backends: ${verdictParts.join(' · ')}  (${plural(c.rows.length, 'row')})`);
  const parts = (Object.keys(CATEGORY_LABELS) as PairCategory[]).map((cat) => {
    const text = `${CATEGORY_LABELS[cat]} ${counts[cat]}`;
    return counts[cat] > 0 && cat !== 'unchanged' ? out.paint(text, CATEGORY_STYLE[cat]) : text;
  });
  out.line(`  tries paired one by one: ${parts.join(' · ')}  (${plural(c.summary.pairs, 'pair')})`);
  out.line();

  if (c.summary.by_backend.length > 0) {
    out.line(out.paint('By backend', 'bold'));
    const rows = [['backend', 'pairs', 'new fail', 'fixed', 'changed', 'still fail', 'only A', 'only B', 'same', 'p50 latency A → B', 'cost A → B']];
    for (const b of c.summary.by_backend) {
      const n = b.counts;
      rows.push([
        printable(b.backend),
        String(b.pairs),
        String(n.new_failure),
        String(n.fixed),
        String(n.changed),
        String(n.still_failing),
        String(n.only_in_a),
        String(n.only_in_b),
        String(n.unchanged),
        formatPair(b.latency_p50_ms, formatMs),
        formatPair(b.cost_usd, formatCost),
      ]);
    }
    for (const row of table(rows)) out.line(row);
    out.line();
  }

  if (c.changes.length > 0) {
    out.line(out.paint('CLI versions and models that changed', 'bold'));
    for (const change of c.changes) out.line(`  ${out.paint(printable(change.text), 'yellow')}`);
    out.line();
  }
}

function sideLine(name: string, side: PairSide | null): string {
  if (!side) return `  ${name}: (no task)`;
  const parts = [describeStatus(side)];
  if (side.cli_version) parts.push(printable(side.cli_version));
  if (side.model) parts.push(printable(side.model));
  let text = `  ${name}: ${parts.join(' · ')}`;
  if (!side.ok && side.error) text += ` — ${printable(side.error.split('\n')[0] ?? '').slice(0, 200)}`;
  return text;
}

/** Cuts a line's pieces to `max` characters in all (a terminal line, not a page). */
function clip(segments: DiffSegment[], max: number): DiffSegment[] {
  const out: DiffSegment[] = [];
  let left = max;
  for (const segment of segments) {
    if (left <= 0) break;
    out.push(segment.text.length > left ? { kind: segment.kind, text: `${segment.text.slice(0, left)} …` } : segment);
    left -= segment.text.length;
  }
  return out;
}

function diffLineText(out: Out, line: DiffLine): string {
  const mark = line.kind === 'removed' ? '-' : line.kind === 'added' ? '+' : ' ';
  const style: Style | null = line.kind === 'removed' ? 'red' : line.kind === 'added' ? 'green' : null;
  const pieces = clip(line.segments && out.color ? line.segments : [{ kind: 'same', text: line.text }], TEXT_LINE_CHARS);
  // Inside a coloured line, changed words are shown inverse (and the line colour restored after each).
  const body = pieces.map((s) => (s.kind === 'same' ? printable(s.text) : `\x1b[${CODES.inverse}m${printable(s.text)}\x1b[27m`)).join('');
  return style ? `  ${out.paint(mark + body, style)}` : `  ${mark}${body}`;
}

/** Each side's workspace in a line (files changed, check), then the files the agents touched differently. */
function workspaceLines(out: Out, ws: WorkspaceComparison): void {
  const sideText = (name: string, side: WorkspaceComparison['a']): string => {
    if (!side) return `  workspace ${name}: (no system test)`;
    const check = side.check ? ` · ${side.check.pass ? out.paint('check passed', 'green') : out.paint(`check failed: ${printable(side.check.reason).slice(0, 200)}`, 'red')}` : '';
    const outside = side.outside.length ? ` · ${out.paint(`outside the workdir: ${side.outside.map((o) => printable(o)).join('; ')}`, 'red')}` : '';
    return `  workspace ${name}: ${plural(side.files.length, 'file')} changed${side.files.length ? ` (${side.files.map((f) => `${printable(f.path)} ${f.change}`).join(', ')})` : ''}${check}${outside}`;
  };
  out.line(sideText('A', ws.a));
  out.line(sideText('B', ws.b));
  if (ws.touched_differently.length) out.line(`  touched differently: ${ws.touched_differently.map((t) => printable(touchedText(t))).join(', ')}`);
  else if (ws.a && ws.b) out.line(`  ${out.paint('both workspaces changed alike', 'dim')}`);
}

function pairDetail(out: Out, pair: ComparedPair, single: boolean): void {
  if (!single) out.line(out.paint(`  example: try ${pair.repeat_index + 1}, ${CATEGORY_LABELS[pair.category]}`, 'dim'));
  out.line(`  prompt: ${printable(promptTitle(pair.prompt))}${pair.prompt_changed ? ' (prompt text changed)' : ''}${pair.matched_by === 'text' ? ' (paired by prompt text)' : ''}`);
  if (pair.likely_cause) out.line(`  likely cause: ${out.paint(printable(pair.likely_cause), 'yellow')}`);
  out.line(sideLine('A', pair.a));
  out.line(sideLine('B', pair.b));
  for (const check of pair.check_regressions) out.line(`  ${out.paint('check now failing', 'red')}: ${printable(check.check)} (${printable(check.detail)})`);
  if (pair.check_fixes.length > 0) out.line(`  ${out.paint('checks now passing', 'green')}: ${pair.check_fixes.map((name) => printable(name)).join(', ')}`);

  const deltas = [
    ['latency', formatDelta(pair.deltas.latency_ms, formatMs)],
    ['cost', formatDelta(pair.deltas.cost_usd, formatCost)],
    ['input tokens', formatDelta(pair.deltas.input_tokens, formatCount)],
    ['output tokens', formatDelta(pair.deltas.output_tokens, formatCount)],
  ].filter((entry): entry is [string, string] => entry[1] !== null);
  if (deltas.length > 0) out.line(`  ${deltas.map(([name, text]) => `${name} ${text}`).join(' · ')}`);
  if (pair.workspace) workspaceLines(out, pair.workspace);

  const diff = pair.diff;
  if (!diff) {
    const only = pair.category === 'only_in_a' ? pair.a : pair.category === 'only_in_b' ? pair.b : null;
    if (only?.answer_excerpt) {
      const shown = only.answer_excerpt.split('\n').slice(0, EXCERPT_LINES);
      for (const line of shown) out.line(`  │ ${printable(line.slice(0, TEXT_LINE_CHARS))}`);
      if ((only.answer_chars ?? 0) > shown.join('\n').length) out.line(`  ${out.paint('│ …', 'dim')}`);
    }
    return;
  }
  out.line(`  answer: ${plural(diff.removed, 'line')} removed, ${diff.added} added (of ${diff.a_lines} → ${diff.b_lines})`);
  if (diff.note) out.line(`  note: ${diff.note}`);
  if (diff.simplified) out.line(`  ${out.paint(`diff simplified: ${diff.simplified}`, 'dim')}`);
  let printed = 0;
  let hidden = diff.omitted_lines;
  for (const hunk of diff.hunks) {
    if (printed >= TEXT_DIFF_LINES) {
      hidden += hunk.lines.length;
      continue;
    }
    out.line(`  ${out.paint(`@@ -${hunk.a_start},${hunk.a_count} +${hunk.b_start},${hunk.b_count} @@`, 'cyan')}`);
    for (const line of hunk.lines) {
      if (printed >= TEXT_DIFF_LINES) hidden++;
      else {
        out.line(diffLineText(out, line));
        printed++;
      }
    }
  }
  if (hidden > 0) out.line(`  ${out.paint(`… ${plural(hidden, 'more diff line')}`, 'dim')}`);
}

function rowDetail(out: Out, row: PromptRow, pairs: Map<string, ComparedPair>): void {
  out.line(out.paint(rowTitle(row), 'bold', VERDICT_STYLE[row.verdict]));
  for (const why of row.why) out.line(`  ${row.gating ? out.paint('why', 'red') : 'why'}: ${printable(why)}`);
  const multi = (row.a?.n ?? 0) > 1 || (row.b?.n ?? 0) > 1;
  if (multi && row.a && row.b) out.line(`  pass@${row.k} ${row.a.pass_at_k.toFixed(2)} → ${row.b.pass_at_k.toFixed(2)} · pass^${row.k} ${row.a.pass_hat_k.toFixed(2)} → ${row.b.pass_hat_k.toFixed(2)}`);
  if (multi) {
    const spread = [distributionText('latency', row.latency_ms, formatMs), distributionText('output tokens', row.output_tokens, formatCount), distributionText('cost', row.cost_usd, formatCost)].filter(Boolean);
    for (const line of spread) out.line(`  ${line}`);
  }
  const example = examplePair(row, pairs);
  if (example) pairDetail(out, example, !multi);
}

export function renderText(c: Comparison, options: { color: boolean }): string {
  const out = new Out(options.color);
  summary(out, c);
  const pairs = new Map(c.pairs.map((pair) => [pair.key, pair]));
  const detailed = c.rows.filter((row) => DETAILED_VERDICTS.includes(row.verdict));
  if (detailed.length > 0) {
    out.line(out.paint('Prompts, most urgent first', 'bold'));
    out.line();
  }
  for (const row of detailed.slice(0, TEXT_ROWS)) {
    rowDetail(out, row, pairs);
    out.line();
  }
  if (detailed.length > TEXT_ROWS) out.line(out.paint(`… ${plural(detailed.length - TEXT_ROWS, 'more row')} (all of them: --html FILE or --json)`, 'dim'));
  return out.lines.join('\n').trimEnd();
}
