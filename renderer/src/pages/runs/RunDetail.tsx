/**
 * One run: its facts, the prompts × backends grid with every answer, error and failed check (the
 * shape promptfoo's viewer made familiar), and what to do with it: compare, save as HTML, delete.
 * Opened from the history (`#/runs?run=<id>`); kept live by the hub's events like the run list.
 */
import { useState } from 'react';
import { call } from '../../api/client.js';
import type { ApiResult } from '../../api/types.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { PromptBackendHead } from '../../components/PromptBackendHead.js';
import { hrefFor, navigate } from '../../lib/router.js';
import { saveHtmlFile } from '../../lib/save-html.js';
import { AnswerText, Badge } from '../../components/bits.js';
import { formatMs, formatWhen, runName } from '../../lib/format.js';
import { useDeleteRun, useRunGrid } from '../../api/run-queries.js';

type GridTask = ApiResult<'runs.grid'>['rows'][number]['cells'][number][number];

function Cell({ tasks, backend, prompt }: { tasks: GridTask[]; backend: string; prompt: string }) {
  if (tasks.length === 0) return <td className="muted">not run</td>;
  return (
    <td>
      {tasks.map((task) => {
        const verdict = task.verdict;
        const failed = task.checks.filter((c) => !c.pass);
        return (
          <div key={task.task_id} className="grid-cell" data-testid="grid-cell" data-backend={backend}>
            {tasks.length > 1 && <div className="muted">repeat {task.repeat_index + 1}</div>}
            <Badge tone={verdict.tone}>{verdict.text}</Badge>
            {failed.length > 0 && (
              <ul className="grid-cell__checks">
                {failed.map((c) => (
                  <li key={c.check}>{c.reason ?? (c.detail ? `${c.check}: ${c.detail}` : c.check)}</li>
                ))}
              </ul>
            )}
            {task.result !== null && task.result !== '' && <AnswerText text={task.result} label={`Answer of ${backend} to ${prompt.slice(0, 60)}`} />}
            {task.error && <pre className="pre-block pre-block--error">{task.error}</pre>}
            <div className="muted">
              <a href={hrefFor('/tasks', { task: task.task_id })}>task {task.task_id}</a> · {formatMs(task.artifact?.latency_ms)}
              {task.retried_after_run && ` · retried after the run: now ${task.retried_after_run.status}`}
            </div>
          </div>
        );
      })}
    </td>
  );
}

async function saveHtml(runId: string): Promise<void> {
  const { filename, html } = await call('runs.exportHtml', { run_id: runId });
  saveHtmlFile(filename, html);
}

export function RunDetail({ runId }: { runId: string }) {
  const run = useRunGrid(runId);
  const remove = useDeleteRun();
  const [confirm, setConfirm] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);
  const back = <a href={hrefFor('/runs')}>← All runs</a>;
  if (run.error) return <>{back}<ErrorNotice title={`Could not load run ${runId}`} error={run.error} onRetry={() => void run.refetch()} /></>;
  if (!run.data) return <>{back}<p className="muted">Loading the run…</p></>;
  const grid = run.data;
  const info = grid.run;
  const going = info.finished_at === null;
  return (
    <section aria-labelledby="run-title" data-testid="run-detail">
      {back}
      <div className="page-head">
        <h1 id="run-title">{runName(info)}</h1>
        {info.baseline && <Badge tone="info">Baseline of {info.pack_name}</Badge>}
        {going && <Badge tone="warn">Running</Badge>}
        <span className="page-head__spacer" />
        <a href={hrefFor('/compare', { b: info.run_id })}>Compare with previous</a>
        <button type="button" onClick={() => void saveHtml(info.run_id).then(() => setExportError(null), setExportError)}>
          Save as HTML
        </button>
        <button type="button" className="danger" onClick={() => setConfirm(true)} disabled={going} title={going ? 'Cancel or finish the run first' : undefined}>
          Delete run…
        </button>
      </div>
      <p className="muted">
        {info.run_id} · pack {info.pack_name} · {formatWhen(info.created_at)}
        {info.finished_at !== null && ` · took ${formatMs((info.finished_at - info.created_at) * 1000)}`} · {grid.tasks} tasks on {info.host}
      </p>
      {exportError !== null && <ErrorNotice title="The HTML was not saved" error={exportError} />}
      <div className="run-grid-wrap">
        <table className="table run-grid" aria-label={`Prompts × backends of ${runName(info)}`}>
          <PromptBackendHead backends={grid.backends} />
          <tbody>
            {grid.rows.map((row) => (
              <tr key={row.prompt_id} data-testid="grid-row">
                <th scope="row" className="run-grid__prompt">
                  <div className="muted">{row.prompt_id}</div>
                  <pre className="pre-block">{row.prompt}</pre>
                </th>
                {row.cells.map((tasks, i) => (
                  <Cell key={grid.backends[i]} tasks={tasks} backend={grid.backends[i] ?? ''} prompt={row.prompt} />
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ConfirmDialog
        open={confirm}
        title={`Delete ${runName(info)}?`}
        confirmLabel="Delete the run"
        danger
        busy={remove.isPending}
        onCancel={() => setConfirm(false)}
        onConfirm={() =>
          remove.mutate(info.run_id, {
            onSuccess: () => {
              setConfirm(false);
              navigate('/runs');
            },
          })
        }
      >
        <p>
          The run, its {grid.tasks} tasks and their answers and records are removed from this workspace for good
          {info.baseline ? `, and ${info.pack_name} has no baseline any more` : ''}. Save it as HTML first to keep a copy.
        </p>
        {remove.error && <ErrorNotice title="The run was not deleted" error={remove.error} />}
      </ConfirmDialog>
    </section>
  );
}
