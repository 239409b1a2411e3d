/**
 * A system test's workspace (the artifact's `workspace`): the check's verdict, what left the workdir,
 * and the workdir's diff against the fixture as one collapsible section per file, its lines coloured
 * as added, removed or hunk header and the file's language named.
 */
import type { Artifact } from '../api/types.js';
import { Badge } from './bits.js';

type Workspace = NonNullable<Artifact['workspace']>;
type Change = Workspace['files'][number]['change'];
/** What is shown: a task's workspace, or one side of a compared pair (no workdir, a shorter check). */
export type WorkspaceShown = Pick<Workspace, 'fixture' | 'files' | 'diff' | 'truncated' | 'outside'> & { workdir?: string | null; check: { pass: boolean; reason: string } | null };

const LANGUAGES: Record<string, string> = { js: 'JavaScript', mjs: 'JavaScript', cjs: 'JavaScript', ts: 'TypeScript', tsx: 'TypeScript', jsx: 'JavaScript', py: 'Python', md: 'Markdown', json: 'JSON', go: 'Go', rs: 'Rust', java: 'Java', rb: 'Ruby', sh: 'Shell', yml: 'YAML', yaml: 'YAML', toml: 'TOML', css: 'CSS', html: 'HTML', c: 'C', h: 'C', cpp: 'C++', txt: 'Text' };

export function languageOf(file: string): string | null {
  const ext = /\.([A-Za-z0-9]+)$/.exec(file)?.[1]?.toLowerCase();
  return ext ? (LANGUAGES[ext] ?? null) : null;
}

/** The unified diff cut at each `diff --git a/X b/X` line, keyed by X. */
export function fileSections(diff: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of diff.split('\n')) {
    const header = /^diff --git a\/(.*) b\/(.*)$/.exec(line);
    if (header) {
      current = [];
      sections.set(header[2] ?? '', current);
    } else current?.push(line);
  }
  return sections;
}

function lineClass(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---')) return 'ws-line ws-line--file';
  if (line.startsWith('@@')) return 'ws-line ws-line--hunk';
  if (line.startsWith('+')) return 'ws-line ws-line--add';
  if (line.startsWith('-')) return 'ws-line ws-line--del';
  return 'ws-line';
}

const CHANGE_TONE: Record<Change, 'good' | 'bad' | 'neutral'> = { added: 'good', deleted: 'bad', changed: 'neutral' };

export function WorkspaceView({ workspace, title = 'Workspace' }: { workspace: WorkspaceShown; title?: string }) {
  const sections = fileSections(workspace.diff);
  return (
    <section className="workspace" aria-label={title}>
      <h3>
        {title}{' '}
        <span className="muted">
          {workspace.files.length} file{workspace.files.length === 1 ? '' : 's'} changed{workspace.fixture ? ` from ${workspace.fixture}` : ''}
        </span>
      </h3>
      {workspace.check && (
        <p className={workspace.check.pass ? 'callout tone-good' : 'callout tone-bad'} data-testid="workspace-check">
          {workspace.check.pass ? '✓' : '✗'} {workspace.check.reason}
        </p>
      )}
      {workspace.outside.length > 0 && <p className="callout tone-warn">Outside the workdir (contained): {workspace.outside.join('; ')}</p>}
      {workspace.files.length === 0 && <p className="muted">The agent left the workdir as the fixture was.</p>}
      {workspace.files.map((f) => {
        const lines = sections.get(f.path);
        const language = languageOf(f.path);
        return (
          <details key={f.path} className="ws-file" data-testid="workspace-file">
            <summary>
              <code>{f.path}</code> <Badge tone={CHANGE_TONE[f.change]}>{f.change}</Badge>
              {f.binary && <span className="muted"> binary</span>}
              {language && <span className="muted"> {language}</span>}
            </summary>
            {lines ? (
              <pre className="pre-block ws-diff" data-language={language ?? undefined}>
                {lines.map((line, i) => (
                  <span key={i} className={lineClass(line)}>
                    {line}
                    {'\n'}
                  </span>
                ))}
              </pre>
            ) : (
              <p className="muted">Not in the diff (it was cut at its size cap).</p>
            )}
          </details>
        );
      })}
      {workspace.truncated && <p className="muted">The diff was cut at its size cap; the list above names every change found.</p>}
      {workspace.workdir && (
        <p className="muted">
          Kept on the agent's machine at <code>{workspace.workdir}</code>
        </p>
      )}
    </section>
  );
}
