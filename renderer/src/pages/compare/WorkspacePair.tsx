/**
 * A system test's pair: the two workspaces side by side (each check and each changed file), the
 * files the agents touched differently, and the diff of the two diffs.
 */
import type { ComparedPair } from '../../api/types.js';
import { WorkspaceView } from '../../components/WorkspaceView.js';
import { DiffView } from './DiffView.js';

type WorkspaceComparison = NonNullable<ComparedPair['workspace']>;
type Touch = WorkspaceComparison['touched_differently'][number];

function touchText(t: Touch): string {
  if (t.differently) return t.a === t.b ? `both ${t.a}, differently` : `A ${t.a}, B ${t.b}`;
  return t.a ? `A ${t.a} only` : `B ${t.b} only`;
}

export function WorkspacePair({ workspace, aName, bName }: { workspace: WorkspaceComparison; aName: string; bName: string }) {
  const side = (ws: WorkspaceComparison['a'], name: string) =>
    ws ? <WorkspaceView workspace={ws} title={`Workspace ${name}`} /> : <p className="muted">{name}: no system test</p>;
  return (
    <section className="stack" aria-label="Workspaces">
      {workspace.touched_differently.length > 0 ? (
        <div className="callout tone-warn" data-testid="touched-differently">
          Files the agents touched differently:
          <ul>
            {workspace.touched_differently.map((t) => (
              <li key={t.path}>
                <code>{t.path}</code>: {touchText(t)}
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <p className="muted">Both agents left the same changes in their workdirs.</p>
      )}
      <div className="grid">
        {side(workspace.a, `A: ${aName}`)}
        {side(workspace.b, `B: ${bName}`)}
      </div>
      {workspace.diff_of_diffs && (
        <details className="detail">
          <summary>Diff of the two workspace diffs</summary>
          <DiffView diff={workspace.diff_of_diffs} aName={aName} bName={bName} />
        </details>
      )}
    </section>
  );
}
