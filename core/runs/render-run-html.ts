/**
 * One run as a self-contained HTML page (inline CSS, no script, nothing external): its facts and
 * the prompts × backends grid with every answer, error and failed check. Every string from the run
 * is untrusted and escaped; a Content-Security-Policy forbids scripts besides.
 */
import { colourBudget, fileSectionHtml, html, isolationHtml, outsideHtml, WORKSPACE_DIFF_CSS, type ColourBudget } from '../compare/render-html.js';
import { formatMs } from '../display.js';
import { diffSections } from '../highlight/diff-lines.js';
import { cellVerdict, runGrid } from './grid.js';
import type { RunRecord, RunTask } from './types.js';

const STYLE = `
:root { color-scheme: light dark; --bad: #c62828; --good: #2e7d32; --muted: #777; --line: rgba(128,128,128,.3); }
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; }
h1 { font-size: 20px; margin: 0 0 8px; } .facts { color: var(--muted); margin: 0 0 16px; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { position: sticky; top: 0; background: Canvas; } td.prompt { max-width: 22rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 4px 0; font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace; max-height: 24rem; overflow: auto; }
.good { color: var(--good); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; } .neutral { color: var(--muted); font-weight: 600; }
.meta { color: var(--muted); font-size: 12px; } .muted { color: var(--muted); } ul { margin: 2px 0; padding-left: 18px; }
details.ws > summary { cursor: pointer; color: var(--muted); font-size: 12px; } details.ws pre { max-height: none; }
${WORKSPACE_DIFF_CSS}
`;

function seconds(value: number): string {
  return new Date(value * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** A system test's workspace in a cell: what the agent changed, one coloured section per file. */
function workspaceHtml(task: RunTask, budget: ColourBudget): string {
  const ws = task.artifact?.workspace;
  if (!ws) return '';
  const count = `${ws.files.length} file${ws.files.length === 1 ? '' : 's'} changed${ws.fixture ? ` from ${ws.fixture}` : ''}`;
  const sections = [...diffSections(ws.diff)].map(([file, text]) => fileSectionHtml(file, text, budget)).join('');
  const truncated = ws.truncated ? '<div class="meta">The diff was cut at its cap; the count names every change found.</div>' : '';
  // What left the workdir stays in sight; the containment and the diff open with the section.
  return `${outsideHtml(ws, 'bad')}<details class="ws"><summary>Workspace: ${html(count)}</summary>${isolationHtml(ws.isolation)}${sections}${truncated}</details>`;
}

function cell(tasks: RunTask[], budget: ColourBudget): string {
  if (tasks.length === 0) return '<td class="meta">not run</td>';
  const parts = tasks.map((task) => {
    const verdict = cellVerdict(task);
    const failed = task.checks.filter((c) => !c.pass);
    const latency = task.artifact?.latency_ms;
    return [
      tasks.length > 1 ? `<div class="meta">repeat ${task.repeat_index + 1}</div>` : '',
      `<div class="${verdict.tone}">${html(verdict.text)}</div>`,
      failed.length ? `<ul>${failed.map((c) => `<li>${html(c.reason ?? (c.detail ? `${c.check}: ${c.detail}` : c.check))}</li>`).join('')}</ul>` : '',
      task.result !== null && task.result !== '' ? `<pre>${html(task.result)}</pre>` : '',
      task.error ? `<pre class="bad">${html(task.error)}</pre>` : '',
      workspaceHtml(task, budget),
      `<div class="meta">task ${task.task_id}${typeof latency === 'number' ? ` · ${formatMs(latency)}` : ''}${task.retried_after_run ? ` · retried after the run: now ${html(task.retried_after_run.status)}` : ''}</div>`,
    ].join('');
  });
  return `<td>${parts.join('<hr>')}</td>`;
}

export function renderRunHtml(record: RunRecord): string {
  const { run } = record;
  const grid = runGrid(record);
  const budget = colourBudget();
  const name = run.label?.trim() || run.run_id;
  const facts = [
    `run ${run.run_id}`,
    `pack ${run.pack_name}`,
    `started ${seconds(run.created_at)}`,
    run.finished_at !== null ? `took ${formatMs(Math.max(0, run.finished_at - run.created_at) * 1000)}` : 'not finished',
    `on ${run.host}`,
  ];
  const head = `<tr><th>Prompt</th>${grid.backends.map((b) => `<th>${html(b)}</th>`).join('')}</tr>`;
  const rows = grid.rows
    .map((row) => `<tr><td class="prompt"><div class="meta">${html(row.prompt_id)}</div><pre>${html(row.prompt)}</pre></td>${row.cells.map((tasks) => cell(tasks, budget)).join('')}</tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${html(name)}: Mittelo run</title><style>${STYLE}</style></head>
<body><h1>${html(name)}</h1><p class="facts">${facts.map(html).join(' · ')}</p>
<table><thead>${head}</thead><tbody>
${rows}
</tbody></table></body></html>
`;
}
