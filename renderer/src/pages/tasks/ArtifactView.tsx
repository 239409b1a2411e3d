/** What the backend run recorded: command, version, model, how it ended, cost; output collapsed. */
import type { Artifact } from '../../api/types.js';
import { formatCost, formatMs, formatTime, formatTokens, shellLine } from '../../lib/format.js';
import { WorkspaceView } from '../../components/WorkspaceView.js';

function Output({ title, text, truncated }: { title: string; text: string; truncated: boolean }) {
  if (text === '') return <p className="muted">{title}: empty</p>;
  return (
    <details className="output-details">
      <summary>
        {title} ({text.length.toLocaleString()} characters{truncated ? ', cut at the capture limit' : ''})
      </summary>
      <pre className="pre-block">{text}</pre>
    </details>
  );
}

export function ArtifactView({ artifact }: { artifact: Artifact }) {
  const ended =
    artifact.exit_code !== null && artifact.exit_code !== undefined
      ? `exit code ${artifact.exit_code}`
      : artifact.signal
        ? `killed by ${artifact.signal}`
        : 'not recorded';
  return (
    <section aria-labelledby="artifact-title">
      <h3 id="artifact-title">Run record</h3>
      <dl className="kv">
        <dt>Backend</dt>
        <dd>
          {artifact.backend}
          {artifact.driver && artifact.driver !== artifact.backend ? ` (driver ${artifact.driver})` : ''}
        </dd>
        <dt>Command</dt>
        <dd>{artifact.argv.length ? <code>{shellLine(artifact.argv)}</code> : <span className="muted">not recorded</span>}</dd>
        {artifact.cli_path && (
          <>
            <dt>CLI found at</dt>
            <dd><code>{artifact.cli_path}</code></dd>
          </>
        )}
        <dt>CLI version</dt>
        <dd>{artifact.cli_version ?? <span className="muted">unknown</span>}</dd>
        <dt>Model</dt>
        <dd>{artifact.model ?? <span className="muted">default</span>}</dd>
        {artifact.tool_policy && (
          <>
            <dt>Tool policy</dt>
            <dd>{artifact.tool_policy}</dd>
          </>
        )}
        <dt>Ended</dt>
        <dd>{ended}</dd>
        {artifact.failure_class && (
          <>
            <dt>Failure</dt>
            <dd>
              <span className="status status--failed">{artifact.failure_class.replace(/_/g, ' ')}</span>
              {artifact.failure_message && <pre className="pre-block">{artifact.failure_message}</pre>}
            </dd>
          </>
        )}
        <dt>Latency</dt>
        <dd>{formatMs(artifact.latency_ms)}</dd>
        <dt>Tokens</dt>
        <dd>{formatTokens(artifact.input_tokens, artifact.output_tokens)}</dd>
        <dt>Cost</dt>
        <dd>{formatCost(artifact.cost_usd)}</dd>
        <dt>Started / finished</dt>
        <dd>
          {formatTime(artifact.started_at)} / {formatTime(artifact.finished_at)}
        </dd>
        {(artifact.host || artifact.worker_id) && (
          <>
            <dt>Ran on</dt>
            <dd>{[artifact.host, artifact.worker_id].filter(Boolean).join(' · ')}</dd>
          </>
        )}
      </dl>
      {artifact.workspace && <WorkspaceView workspace={artifact.workspace} />}
      <Output title="Standard output" text={artifact.stdout} truncated={artifact.stdout_truncated} />
      <Output title="Standard error" text={artifact.stderr} truncated={artifact.stderr_truncated} />
    </section>
  );
}
