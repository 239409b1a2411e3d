/**
 * One compared pair opened: the likely cause (a CLI version or model change), each side's outcome
 * and failing checks, what changed in latency, cost and tokens, and the answers' diff.
 */
import { AnswerText, Badge, TechDetail } from '../../components/bits.js';
import { formatCost, formatCount, formatChange, formatMs, DASH } from '../../lib/format.js';
import type { ComparedPair, PairSide } from '../../api/types.js';
import { DiffView } from './DiffView.js';
import { WorkspacePair } from './WorkspacePair.js';

function outcome(side: PairSide | null): { tone: 'good' | 'bad' | 'neutral'; text: string } {
  if (!side) return { tone: 'neutral', text: 'Not in this run' };
  if (side.ok) return { tone: 'good', text: 'Worked' };
  if (side.status === 'done') return { tone: 'bad', text: 'Answered, but a check failed' };
  if (side.status === 'failed') return { tone: 'bad', text: `Failed${side.failure_class ? ` (${side.failure_class.replace(/_/g, ' ')})` : ''}` };
  if (side.status === 'cancelled') return { tone: 'neutral', text: 'Cancelled' };
  return { tone: 'neutral', text: 'Did not finish' };
}

function SideSummary({ side, name }: { side: PairSide | null; name: string }) {
  const o = outcome(side);
  return (
    <div className="card">
      <h3>
        {name} <Badge tone={o.tone}>{o.text}</Badge>
      </h3>
      {side && (
        <dl className="kv">
          <dt>CLI version</dt>
          <dd>{side.cli_version ?? DASH}</dd>
          <dt>Model</dt>
          <dd>{side.model ?? DASH}</dd>
          {side.checks.length > 0 && (
            <>
              <dt>Checks</dt>
              <dd>
                {side.checks.map((c) => (
                  <div key={c.check}>
                    {c.pass ? '✓' : '✗'} {c.check}: {c.detail}
                  </div>
                ))}
              </dd>
            </>
          )}
          {side.error && (
            <>
              <dt>Error</dt>
              <dd>
                <TechDetail summary="What the CLI said" text={side.error} />
              </dd>
            </>
          )}
        </dl>
      )}
    </div>
  );
}

export function PairDetail({ pair, aName, bName }: { pair: ComparedPair; aName: string; bName: string }) {
  const d = pair.deltas;
  return (
    <div className="stack">
      {pair.likely_cause && (
        <p className="cause" data-testid="likely-cause">
          Likely cause: {pair.likely_cause}
        </p>
      )}
      {pair.prompt_changed && <p className="callout tone-warn">The prompt text changed between the runs, so the answers may differ for that reason.</p>}
      {pair.check_regressions.length > 0 && (
        <div className="callout tone-bad">
          Checks that passed in A and fail in B:
          <ul>
            {pair.check_regressions.map((c) => (
              <li key={c.check}>
                {c.check}: {c.detail}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="grid">
        <SideSummary side={pair.a} name={`A: ${aName}`} />
        <SideSummary side={pair.b} name={`B: ${bName}`} />
      </div>
      <dl className="kv">
        <dt>Latency</dt>
        <dd>
          {formatMs(d.latency_ms.a)} → {formatMs(d.latency_ms.b)} ({formatChange(d.latency_ms.delta, d.latency_ms.pct, formatMs)})
        </dd>
        <dt>Cost</dt>
        <dd>
          {formatCost(d.cost_usd.a)} → {formatCost(d.cost_usd.b)}
        </dd>
        <dt>Tokens in / out</dt>
        <dd>
          {formatCount(d.input_tokens.a)} / {formatCount(d.output_tokens.a)} → {formatCount(d.input_tokens.b)} / {formatCount(d.output_tokens.b)}
        </dd>
      </dl>
      <details className="detail">
        <summary>The prompt</summary>
        <AnswerText text={pair.prompt} label="Prompt" />
      </details>
      {pair.workspace && <WorkspacePair workspace={pair.workspace} aName={aName} bName={bName} />}
      {pair.diff ? (
        <DiffView diff={pair.diff} aName={aName} bName={bName} />
      ) : (
        <div className="grid">
          <div>
            <h3>Answer in A{pair.a?.answer_excerpt_truncated ? ' (its beginning)' : ''}</h3>
            <AnswerText text={pair.a?.answer_excerpt ?? null} label="Answer in A" />
          </div>
          <div>
            <h3>Answer in B{pair.b?.answer_excerpt_truncated ? ' (its beginning)' : ''}</h3>
            <AnswerText text={pair.b?.answer_excerpt ?? null} label="Answer in B" />
          </div>
        </div>
      )}
    </div>
  );
}
