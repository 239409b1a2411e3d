/**
 * Compare and pick: for one prompt of a run, the answers of every backend side by side with cost,
 * tokens and latency, the fastest and cheapest marked, and "Pick as best" (runs.pick).
 */
import { useRuns } from '../../api/queries.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { navigate, useLocation } from '../../lib/router.js';
import { AnswerText, Badge, TechDetail } from '../../components/bits.js';
import { formatCost, formatMs, formatTokens, runName, DASH } from '../../lib/format.js';
import { usePick, usePrompts, useSideBySide } from '../../api/run-queries.js';
import type { SideBySide } from '../../api/types.js';
import { runOption } from './RunPicker.js';
import { BADGE_TEXT, badgesOf, canPick, candidateName, candidateStatus } from './pick-logic.js';

function Candidates({ sbs }: { sbs: SideBySide }) {
  const pick = usePick();
  return (
    <>
      {pick.error && <ErrorNotice title="Could not record the pick" error={pick.error} />}
      <p>
        <span className="muted">Prompt: </span>
        {sbs.prompt}
      </p>
      <div className="candidates">
        {sbs.candidates.map((c) => {
          const status = candidateStatus(c);
          const name = candidateName(c, sbs.candidates);
          return (
            <article key={c.task_id} className={`card${c.picked ? ' candidate--picked' : ''}`} aria-label={`Answer of ${name}`} data-testid="candidate">
              <h3 className="row">
                {name}
                {badgesOf(sbs, c).map((b) => (
                  <Badge key={b} tone={b === 'picked' ? 'info' : 'good'}>
                    {BADGE_TEXT[b]}
                  </Badge>
                ))}
              </h3>
              <p>
                <Badge tone={status.tone}>{status.text}</Badge>
              </p>
              <dl className="kv">
                <dt>Latency</dt>
                <dd>{formatMs(c.latency_ms)}</dd>
                <dt>Cost</dt>
                <dd>{formatCost(c.cost_usd)}</dd>
                <dt>Tokens</dt>
                <dd>{formatTokens(c.input_tokens, c.output_tokens)}</dd>
                <dt>Version · model</dt>
                <dd>
                  {c.cli_version ?? DASH} · {c.model ?? DASH}
                </dd>
              </dl>
              <AnswerText text={c.answer} label={`Answer of ${name}`} />
              {c.error && <TechDetail summary="What the CLI said" text={c.error} />}
              <button type="button" className="primary" disabled={!canPick(sbs, c) || pick.isPending} onClick={() => pick.mutate({ run_id: sbs.run_id, prompt_id: sbs.prompt_id, task_id: c.task_id })}>
                {c.picked ? 'Picked as best' : 'Pick as best'}
              </button>
            </article>
          );
        })}
      </div>
    </>
  );
}

export function PickView() {
  const { params } = useLocation();
  const runs = useRuns({ limit: 200 });
  const list = runs.data?.runs ?? [];
  const runId = params.get('run') || list[0]?.run.run_id || null;
  const prompts = usePrompts(runId);
  const promptId = params.get('prompt') || prompts.data?.prompts[0]?.prompt_id || null;
  const sbs = useSideBySide(runId, promptId);
  const set = (next: { run?: string; prompt?: string }) => navigate('/compare', { view: 'pick', run: runId, prompt: promptId, ...next }, { replace: true });

  return (
    <>
      <div className="row row--end">
        <label>
          Run
          <select value={runId ?? ''} onChange={(e) => set({ run: e.target.value, prompt: '' })}>
            {list.map((r) => (
              <option key={r.run.run_id} value={r.run.run_id}>
                {runOption(r)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Prompt
          <select value={promptId ?? ''} onChange={(e) => set({ prompt: e.target.value })} disabled={!prompts.data}>
            {prompts.data?.prompts.map((p) => (
              <option key={p.prompt_id} value={p.prompt_id}>
                {p.prompt_id} ({p.tasks} answer{p.tasks === 1 ? '' : 's'}){p.picked_task_id !== null ? ' · picked' : ''}
              </option>
            ))}
          </select>
        </label>
      </div>
      {runs.error && <ErrorNotice title="Could not list the runs" error={runs.error} onRetry={() => void runs.refetch()} />}
      {prompts.error && <ErrorNotice title="Could not list the run’s prompts" error={prompts.error} onRetry={() => void prompts.refetch()} />}
      {sbs.error && <ErrorNotice title="Could not load the answers" error={sbs.error} onRetry={() => void sbs.refetch()} />}
      {runs.data && list.length === 0 && <p className="muted">No runs yet: start one on the Runs page.</p>}
      {sbs.data && <Candidates sbs={sbs.data} />}
      {sbs.data === null && runId && <p className="muted">Run {runName({ run_id: runId, label: null })} has no answers for this prompt.</p>}
    </>
  );
}
