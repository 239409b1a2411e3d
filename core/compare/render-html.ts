/**
 * The comparison as one self-contained HTML page (inline CSS, no script, no external resource):
 * summary, per-backend table, version and model changes, then each pair worth reading with a
 * side-by-side diff and word highlights. Every string from a run (answers, prompts, errors, ids)
 * is untrusted: all of it goes through `html()`, and a Content-Security-Policy forbids scripts
 * should anything ever slip through.
 */
import {
  CATEGORY_LABELS,
  DASH,
  DETAILED_CATEGORIES,
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
import { ROW_VERDICTS, type ComparedPair, type Comparison, type DiffHunk, type DiffLine, type PairCategory, type PairSide, type PromptRow, type RunRef } from './types.js';
import { diffSections, highlightSection, MAX_HIGHLIGHT_CHARS, type DiffLine as CodeLine } from '../highlight/diff-lines.js';
import { paletteCss } from '../highlight/palette.js';
import { touchedText, type WorkspaceComparison, type WorkspaceSide } from './workspace.js';
import { isolationText, outsideLines, type IsolationMode, type OutsideRecord } from '../display.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an element or a quoted attribute: markup characters escaped, control characters shown as \xNN. */
export function html(text: string): string {
  return printable(text, true).replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

/**
 * Coloured workspace diffs in a self-contained report (this one and the run report): the +/- tints,
 * the signs (the page's --good/--bad) and the syntax palette for light and dark.
 */
export const WORKSPACE_DIFF_CSS = `
.ws-file summary { font: 12px ui-monospace, monospace; cursor: pointer; }
.ws-diff .l { display: block; } .ws-diff .l-add { background: rgba(67, 160, 71, .15); } .ws-diff .l-del { background: rgba(229, 57, 53, .13); }
.ws-diff .l-hunk, .ws-diff .l-meta { color: var(--muted); } .ws-diff .l-add .sign { color: var(--good); font-weight: 700; } .ws-diff .l-del .sign { color: var(--bad); font-weight: 700; }
${paletteCss({ light: ':root', dark: '@media (prefers-color-scheme: dark)' })}`;

const STYLE = `
:root { color-scheme: light dark; --bad: #c62828; --good: #2e7d32; --warn: #b26a00; --muted: #777;
  --del: rgba(229, 57, 53, .13); --ins: rgba(67, 160, 71, .15); --delw: rgba(229, 57, 53, .38); --insw: rgba(67, 160, 71, .42); --line: rgba(128,128,128,.25); }
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; max-width: 1400px; }
h1 { font-size: 20px; margin: 0 0 12px; } h2 { font-size: 16px; margin: 28px 0 8px; }
table { border-collapse: collapse; } th, td { padding: 3px 8px; text-align: left; vertical-align: top; }
.runs td:first-child { font-weight: 600; } .grid th { border-bottom: 1px solid var(--line); } .grid td.n { text-align: right; }
.verdict { font-weight: 700; font-size: 16px; margin: 16px 0 8px; } .verdict.bad { color: var(--bad); } .verdict.good { color: var(--good); }
.chips span { display: inline-block; margin: 0 6px 6px 0; padding: 2px 8px; border-radius: 10px; border: 1px solid var(--line); }
.cat-new_failure, .cat-still_failing { color: var(--bad); } .cat-fixed { color: var(--good); } .cat-changed { color: var(--warn); }
.change { color: var(--warn); }
details.pair { border: 1px solid var(--line); border-radius: 6px; margin: 10px 0; padding: 6px 10px; }
details.pair > summary { cursor: pointer; font-weight: 600; }
.meta { margin: 6px 0; } .meta div { margin: 2px 0; } .muted { color: var(--muted); } .prompt { white-space: pre-wrap; }
pre, .diff td.code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-all; }
pre { margin: 4px 0; padding: 6px; border: 1px solid var(--line); border-radius: 4px; max-height: 320px; overflow: auto; }
.diff { width: 100%; table-layout: fixed; margin-top: 6px; } .diff col.ln { width: 4.5em; }
.diff td.ln { color: var(--muted); text-align: right; user-select: none; font: 12px ui-monospace, monospace; }
.diff tr.hunk td { color: var(--muted); background: rgba(128,128,128,.08); font: 12px ui-monospace, monospace; }
.ws-pair { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; } .ws-side { min-width: 0; }
.diff td.del { background: var(--del); } .diff td.ins { background: var(--ins); }
.diff span.wd { background: var(--delw); border-radius: 2px; } .diff span.wi { background: var(--insw); border-radius: 2px; }
.checks li.fail { color: var(--bad); } .checks li.pass { color: var(--good); }
.v-regressed, .v-stable-fail { color: var(--bad); } .v-improved { color: var(--good); } .v-flaky, .v-changed { color: var(--warn); }
.findings li.fail { color: var(--bad); } .findings li.warn { color: var(--warn); }
.matrix td.cell { text-align: center; min-width: 5em; border: 1px solid var(--line); }
.matrix td.v-regressed { background: rgba(229, 57, 53, .18); } .matrix td.v-improved { background: rgba(67, 160, 71, .18); }
.matrix td.v-flaky, .matrix td.v-changed { background: rgba(255, 160, 0, .16); } .matrix td.v-stable-fail { background: rgba(229, 57, 53, .08); }
.badge { font-size: 11px; padding: 0 5px; border-radius: 8px; border: 1px solid currentColor; margin-left: 4px; }
${WORKSPACE_DIFF_CSS}
`;

function runRow(name: string, run: RunRef): string {
  const label = run.label ? ` “${html(run.label)}”` : '';
  return `<tr><td>${name}</td><td>${html(run.run_id)}${label}</td><td>pack ${html(run.pack_name)}</td><td>${html(run.preset)}</td><td>${html(formatDate(run.created_at))}</td><td>${html(run.host)}</td><td>${run.tasks} tasks</td></tr>`;
}

function summary(c: Comparison): string {
  const { counts, verdicts } = c.summary;
  const findings = [
    ...c.gate.failures.map((f) => `<li class="fail">✗ ${html(f.text)}</li>`),
    ...c.gate.warnings.map((f) => `<li class="warn">! ${html(f.text)}</li>`),
  ];
  const verdict = [
    `<p class="verdict ${c.gate.pass ? 'good' : 'bad'}">${html(gateHeadline(c))}</p>`,
    findings.length ? `<ul class="findings">${findings.join('')}</ul>` : '',
    `<p class="muted">Policy: ${html(policyText(c.gate.policy))} (${html(c.gate.policy_source)})</p>`,
    `<div class="chips">${ROW_VERDICTS.map((v) => `<span class="v-${v}">${VERDICT_LABELS[v]} <b>${verdicts[v]}</b></span>`).join('')} <span class="muted">${plural(c.rows.length, 'prompt × backend row')}</span></div>`,
  ].join('\n');
  const chips = (Object.keys(CATEGORY_LABELS) as PairCategory[])
    .map((cat) => `<span class="cat-${cat}">${CATEGORY_LABELS[cat]} <b>${counts[cat]}</b></span>`)
    .join('');
  const head = ['backend', 'pairs', ...DETAILED_CATEGORIES.map((cat) => CATEGORY_LABELS[cat]), 'unchanged', 'p50 latency A → B', 'cost A → B'];
  const rows = c.summary.by_backend.map((b) => {
    const cells = [b.pairs, ...DETAILED_CATEGORIES.map((cat) => b.counts[cat]), b.counts.unchanged].map((n) => `<td class="n">${n}</td>`).join('');
    return `<tr><td>${html(b.backend)}</td>${cells}<td>${html(formatPair(b.latency_p50_ms, formatMs))}</td><td>${html(formatPair(b.cost_usd, formatCost))}</td></tr>`;
  });
  const changes =
    c.changes.length === 0
      ? '<p class="muted">None.</p>'
      : `<ul>${c.changes.map((change) => `<li class="change">${html(change.text)}</li>`).join('')}</ul>`;
  return [
    '<h1>Run comparison</h1>',
    `<table class="runs">${runRow('A', c.a)}${runRow('B', c.b)}</table>`,
    verdict,
    `<div class="chips"><span class="muted">Tries paired one by one:</span> ${chips} <span class="muted">${c.summary.pairs} pairs</span></div>`,
    matrix(c),
    '<h2>By backend</h2>',
    `<table class="grid"><tr>${head.map((h) => `<th>${html(h)}</th>`).join('')}</tr>${rows.join('')}</table>`,
    '<h2>CLI versions and models that changed</h2>',
    changes,
  ].join('\n');
}

/** Matrix rows shown; the rows list below has them all. */
const MATRIX_PROMPTS = 500;

/** Prompts × backends: B's pass rate (A's beside it) coloured by verdict, a badge for flaky. */
function matrix(c: Comparison): string {
  const backends = [...new Set(c.rows.map((row) => row.backend))];
  const prompts = [...new Set(c.rows.map((row) => row.prompt_id))];
  const byKey = new Map(c.rows.map((row) => [`${row.prompt_id}\u0000${row.backend}`, row]));
  const rate = (side: PromptRow['a']) => (side ? `${Math.round(side.rate * 100)}%` : DASH);
  const body = prompts.slice(0, MATRIX_PROMPTS).map((prompt) => {
    const cellsHtml = backends.map((backend) => {
      const row = byKey.get(`${prompt}\u0000${backend}`);
      if (!row) return `<td class="cell muted">${DASH}</td>`;
      const badge = row.verdict === 'flaky' ? '<span class="badge">flaky</span>' : '';
      return `<td class="cell v-${row.verdict}" title="${html(VERDICT_LABELS[row.verdict])}">${rate(row.a)} → <b>${rate(row.b)}</b>${badge}</td>`;
    });
    return `<tr><td>${html(prompt)}</td>${cellsHtml.join('')}</tr>`;
  });
  const more = prompts.length > MATRIX_PROMPTS ? `<p class="muted">${prompts.length - MATRIX_PROMPTS} more prompts in the list below.</p>` : '';
  return `<h2>Pass rate, prompts × backends (A → B)</h2><table class="grid matrix"><tr><th>prompt</th>${backends.map((b) => `<th>${html(b)}</th>`).join('')}</tr>${body.join('')}</table>${more}`;
}

function rowSection(row: PromptRow, pairs: Map<string, ComparedPair>, budget: ColourBudget): string {
  const multi = (row.a?.n ?? 0) > 1 || (row.b?.n ?? 0) > 1;
  const facts = row.why.map((why) => `<div class="${row.gating ? 'v-regressed' : ''}">${html(why)}</div>`);
  if (multi && row.a && row.b) facts.push(`<div>pass@${row.k} ${row.a.pass_at_k.toFixed(2)} → ${row.b.pass_at_k.toFixed(2)} · pass^${row.k} ${row.a.pass_hat_k.toFixed(2)} → ${row.b.pass_hat_k.toFixed(2)}</div>`);
  if (multi) {
    for (const text of [distributionText('latency', row.latency_ms, formatMs), distributionText('output tokens', row.output_tokens, formatCount), distributionText('cost', row.cost_usd, formatCost)]) {
      if (text) facts.push(`<div class="muted">${html(text)}</div>`);
    }
  }
  const example = examplePair(row, pairs);
  const exampleHtml = example ? `${multi ? `<div class="muted">Example: try ${example.repeat_index + 1}</div>` : ''}${pairSection(example, budget)}` : '';
  return `<details class="pair" open><summary class="v-${row.verdict}">${html(rowTitle(row))} <span class="muted">${html(promptTitle(row.prompt))}</span></summary><div class="meta">${facts.join('')}</div>${exampleHtml}</details>`;
}

function cellText(line: DiffLine): string {
  if (!line.segments) return html(line.text);
  return line.segments.map((s) => (s.kind === 'same' ? html(s.text) : `<span class="${s.kind === 'removed' ? 'wd' : 'wi'}">${html(s.text)}</span>`)).join('');
}

const EMPTY_CELLS = '<td class="ln"></td><td class="code"></td>';

function cells(line: DiffLine | undefined, side: 'a' | 'b'): string {
  if (!line) return EMPTY_CELLS;
  const number = side === 'a' ? line.a_line : line.b_line;
  const cls = line.kind === 'removed' ? 'code del' : line.kind === 'added' ? 'code ins' : 'code';
  return `<td class="ln">${number ?? ''}</td><td class="${cls}">${cellText(line)}</td>`;
}

/** Side by side: context on both sides, a removed run next to the added run that follows it. */
function hunkRows(hunk: DiffHunk): string[] {
  const rows = [`<tr class="hunk"><td colspan="4">@@ -${hunk.a_start},${hunk.a_count} +${hunk.b_start},${hunk.b_count} @@</td></tr>`];
  const { lines } = hunk;
  for (let i = 0; i < lines.length; ) {
    const line = lines[i] as DiffLine;
    if (line.kind === 'context') {
      rows.push(`<tr>${cells(line, 'a')}${cells(line, 'b')}</tr>`);
      i++;
      continue;
    }
    const removed: DiffLine[] = [];
    const added: DiffLine[] = [];
    while (i < lines.length && lines[i]?.kind === 'removed') removed.push(lines[i++] as DiffLine);
    while (i < lines.length && lines[i]?.kind === 'added') added.push(lines[i++] as DiffLine);
    for (let k = 0; k < Math.max(removed.length, added.length); k++) rows.push(`<tr>${cells(removed[k], 'a')}${cells(added[k], 'b')}</tr>`);
  }
  return rows;
}

function sideBlock(name: string, side: PairSide | null): string {
  if (!side) return `<div><b>${name}</b>: <span class="muted">no task</span></div>`;
  const facts = [describeStatus(side), side.cli_version, side.model].filter((f): f is string => Boolean(f)).map(html).join(' · ');
  const error = !side.ok && side.error ? `<pre>${html(side.error)}</pre>` : '';
  const checks = side.checks.length
    ? `<ul class="checks">${side.checks.map((c) => `<li class="${c.pass ? 'pass' : 'fail'}">${c.pass ? '✓' : '✗'} ${html(c.check)} <span class="muted">${html(c.detail)}</span></li>`).join('')}</ul>`
    : '';
  return `<div><b>${name}</b> (task ${side.task_id}): ${facts}${error}${checks}</div>`;
}

function excerpt(name: string, side: PairSide | null): string {
  if (!side || side.answer_excerpt === null) return '';
  const more = side.answer_excerpt_truncated ? ` <span class="muted">(first ${side.answer_excerpt.length} of ${side.answer_chars ?? '?'} characters)</span>` : '';
  return `<div><b>Answer ${name}</b>${more}<pre>${html(side.answer_excerpt)}</pre></div>`;
}

/**
 * How much of a report's workspace diffs is syntax-coloured: past it, sections are plain (and say
 * so), which keeps a report of many large diffs quick to write and to open.
 */
export const REPORT_HIGHLIGHT_CHARS = 512 * 1024;

/** The report's colouring allowance and what is left of it (spent section by section). */
export interface ColourBudget {
  allowance: number;
  chars: number;
}

export const colourBudget = (allowance = REPORT_HIGHLIGHT_CHARS): ColourBudget => ({ allowance, chars: allowance });

const CODE_LINE_CLASS: Record<CodeLine['kind'], string> = { meta: 'l l-meta', hunk: 'l l-hunk', add: 'l l-add', del: 'l l-del', context: 'l' };

function codeLineHtml(line: CodeLine): string {
  const sign = line.sign ? `<span class="sign">${html(line.sign)}</span>` : '';
  const tokens = line.tokens.map((t) => (t.className ? `<span class="${html(t.className)}">${html(t.text)}</span>` : html(t.text))).join('');
  return `<span class="${CODE_LINE_CLASS[line.kind]}">${sign}${tokens}\n</span>`;
}

/** One changed file: its part of the unified diff, coloured by its language while the allowance lasts. */
export function fileSectionHtml(file: string, text: string, budget: ColourBudget): string {
  const shown = highlightSection(file, text, Math.min(MAX_HIGHLIGHT_CHARS, budget.chars));
  if (shown.plain === null) budget.chars -= text.length;
  const over = text.length > MAX_HIGHLIGHT_CHARS ? `this file's diff is over ${MAX_HIGHLIGHT_CHARS / 1024} KiB` : `the report colours the first ${Math.round(budget.allowance / 1024)} KiB of diffs`;
  const note = shown.plain === 'too-large' ? `<div class="muted">Without syntax colours: ${over}.</div>` : '';
  const language = shown.language ? ` <span class="muted">${html(shown.language.label)}</span>` : '';
  return `<details class="ws-file"><summary>${html(file)}${language}</summary>${note}<pre class="ws-diff">${shown.lines.map(codeLineHtml).join('')}</pre></details>`;
}

/** What left a system test's workdir, as the app's workspace view says it (both reports), in the page's `bad` colour. */
export function outsideHtml(ws: OutsideRecord, badClass: string): string {
  const outside = outsideLines(ws);
  return outside.length ? `<div class="${badClass} ws-outside">Outside the workdir: ${outside.map(html).join('; ')}</div>` : '';
}

/** How the task was kept inside its workdir (nothing for runs from before it was recorded). */
export function isolationHtml(isolation: { mode: IsolationMode; detail?: string } | IsolationMode | null | undefined): string {
  const text = isolationText(isolation);
  return text ? `<div class="muted ws-isolation">${html(text)}</div>` : '';
}

/** The workspace's changed files, one section per file (its part of the unified diff). */
function workspaceSide(name: string, ws: WorkspaceSide | null, budget: ColourBudget): string {
  if (!ws) return `<div class="ws-side"><b>Workspace ${name}</b>: <span class="muted">no system test</span></div>`;
  const check = ws.check ? `<div class="${ws.check.pass ? 'pass' : 'fail'}">${ws.check.pass ? '✓' : '✗'} ${html(ws.check.reason)}</div>` : '';
  const sections = [...diffSections(ws.diff)].map(([file, text]) => fileSectionHtml(file, text, budget));
  const truncated = ws.truncated ? '<div class="muted">The diff was truncated at its cap.</div>' : '';
  return `<div class="ws-side"><b>Workspace ${name}</b> <span class="muted">${plural(ws.files.length, 'file')} changed${ws.fixture ? ` from ${html(ws.fixture)}` : ''}</span>${check}${outsideHtml(ws, 'cat-new_failure')}${isolationHtml(ws.isolation)}${sections.join('')}${truncated}</div>`;
}

function workspaceSection(ws: WorkspaceComparison, budget: ColourBudget): string {
  const touched = ws.touched_differently.length
    ? `<div>Touched differently: ${ws.touched_differently.map((t) => html(touchedText(t))).join(', ')}</div>`
    : '<div class="muted">Both agents left the same changes.</div>';
  const dod = ws.diff_of_diffs ? `<details><summary>Diff of the diffs</summary><table class="diff"><colgroup><col class="ln"><col><col class="ln"><col></colgroup>\n${ws.diff_of_diffs.hunks.flatMap(hunkRows).join('\n')}\n</table></details>` : '';
  return `<div class="workspace">${touched}<div class="ws-pair">${workspaceSide('A', ws.a, budget)}${workspaceSide('B', ws.b, budget)}</div>${dod}</div>`;
}

function pairSection(pair: ComparedPair, budget: ColourBudget): string {
  const repeat = pair.repeat_index > 0 ? ` · repeat ${pair.repeat_index + 1}` : '';
  const summaryLine = `<span class="cat-${pair.category}">${CATEGORY_LABELS[pair.category]}</span> · ${html(pair.backend)} · ${html(pair.prompt_id)}${repeat} <span class="muted">${html(promptTitle(pair.prompt))}</span>`;
  const notes: string[] = [];
  if (pair.likely_cause) notes.push(`<div class="change">Likely cause: ${html(pair.likely_cause)}</div>`);
  if (pair.prompt_changed) notes.push('<div class="muted">The prompt text changed between the runs.</div>');
  if (pair.matched_by === 'text') notes.push('<div class="muted">Paired by prompt text (the prompt ids differ).</div>');
  for (const check of pair.check_regressions) notes.push(`<div class="cat-new_failure">Check now failing: ${html(check.check)} <span class="muted">${html(check.detail)}</span></div>`);
  if (pair.check_fixes.length) notes.push(`<div class="cat-fixed">Checks now passing: ${pair.check_fixes.map(html).join(', ')}</div>`);
  const deltas = [
    ['latency', formatDelta(pair.deltas.latency_ms, formatMs), formatPair(pair.deltas.latency_ms, formatMs)],
    ['cost', formatDelta(pair.deltas.cost_usd, formatCost), formatPair(pair.deltas.cost_usd, formatCost)],
    ['input tokens', formatDelta(pair.deltas.input_tokens, formatCount), formatPair(pair.deltas.input_tokens, formatCount)],
    ['output tokens', formatDelta(pair.deltas.output_tokens, formatCount), formatPair(pair.deltas.output_tokens, formatCount)],
  ]
    .filter(([, delta]) => delta !== null)
    .map(([name, delta, both]) => `${name} ${html(delta ?? '')} <span class="muted">(${html(both ?? '')})</span>`);
  if (deltas.length) notes.push(`<div>${deltas.join(' · ')}</div>`);

  let body = '';
  const diff = pair.diff;
  if (diff) {
    const facts = [`${plural(diff.removed, 'line')} removed, ${diff.added} added (${diff.a_lines} → ${plural(diff.b_lines, 'line')})`];
    if (diff.note) facts.push(html(diff.note));
    if (diff.simplified) facts.push(`diff simplified: ${html(diff.simplified)}`);
    if (diff.omitted_lines > 0) facts.push(`${plural(diff.omitted_lines, 'more diff line')} not shown`);
    const rows = diff.hunks.flatMap(hunkRows).join('\n');
    body = `<div class="muted">${facts.join(' · ')}</div><table class="diff"><colgroup><col class="ln"><col><col class="ln"><col></colgroup>\n${rows}\n</table>`;
  } else if (pair.category !== 'unchanged') {
    body = excerpt('A', pair.a) + excerpt('B', pair.b);
  }
  if (pair.workspace) body += workspaceSection(pair.workspace, budget);
  return `<details class="pair" open><summary>${summaryLine}</summary><div class="meta"><div class="prompt muted">${html(pair.prompt.length > 500 ? `${pair.prompt.slice(0, 500)}…` : pair.prompt)}</div>${notes.join('')}${sideBlock('A', pair.a)}${sideBlock('B', pair.b)}</div>${body}</details>`;
}

/** `colourChars`: the syntax-colouring allowance of the report's workspace diffs (default REPORT_HIGHLIGHT_CHARS). */
export function renderHtml(c: Comparison, options: { colourChars?: number } = {}): string {
  const sections: string[] = [];
  const pairs = new Map(c.pairs.map((pair) => [pair.key, pair]));
  const budget = colourBudget(options.colourChars);
  for (const verdict of DETAILED_VERDICTS) {
    const rows = c.rows.filter((row) => row.verdict === verdict);
    if (rows.length) sections.push(`<h2 class="v-${verdict}">${html(VERDICT_LABELS[verdict].replace(/^./, (ch) => ch.toUpperCase()))} (${rows.length})</h2>`, ...rows.map((row) => rowSection(row, pairs, budget)));
  }
  const stable = c.rows.filter((row) => row.verdict === 'stable-pass');
  if (stable.length) {
    const items = stable.map((row) => `<li>${html(row.backend)} · ${html(row.prompt_id)} <span class="muted">${row.b ? `${row.b.passes}/${row.b.n}` : ''}</span></li>`);
    sections.push(`<h2>Stable pass (${stable.length})</h2><details><summary>Show</summary><ul>${items.join('')}</ul></details>`);
  }
  const title = `Compare ${c.a.run_id} → ${c.b.run_id}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${summary(c)}
${sections.join('\n')}
</body>
</html>
`;
}
