/**
 * A system test's workspace (the artifact's `workspace`): the check's verdict, what left the workdir,
 * and the workdir's diff against the fixture as one collapsible section per file, its lines tinted
 * as added or removed and its code coloured by the file's language (core/highlight: tokens rendered
 * as React elements, no HTML injected). A section is coloured when first opened, so a long diff of
 * many files costs nothing until read.
 */
import { useMemo, useState, type ReactNode } from 'react';
import type { Artifact } from '../api/types.js';
// A pure module (no Node, no I/O): the server's HTML reports colour diffs with the same code.
import { diffSections, highlightSection, MAX_HIGHLIGHT_CHARS, type DiffLine } from '../../../core/highlight/diff-lines.js';
import { languageOf } from '../../../core/highlight/languages.js';
import { isolationText, outsideLines } from '../../../core/display.js';
import { Badge } from './bits.js';
import './highlight.css';

type Workspace = NonNullable<Artifact['workspace']>;
type Change = Workspace['files'][number]['change'];
/** What is shown: a task's workspace, or one side of a compared pair (no workdir, a shorter check). */
export type WorkspaceShown = Pick<Workspace, 'fixture' | 'files' | 'diff' | 'truncated' | 'outside'> & {
  workdir?: string | null;
  wrote_outside?: string[];
  refused_outside?: string[];
  check: { pass: boolean; reason: string } | null;
  /** How the task was kept inside its workdir: the artifact's `{mode, detail}`, or a compared side's mode. */
  isolation?: Isolation | Isolation['mode'] | null;
};
type Isolation = NonNullable<Workspace['isolation']>;

const CHANGE_TONE: Record<Change, 'good' | 'bad' | 'neutral'> = { added: 'good', deleted: 'bad', changed: 'neutral' };

const LINE_CLASS: Record<DiffLine['kind'], string> = { meta: 'ws-line ws-line--file', hunk: 'ws-line ws-line--hunk', add: 'ws-line ws-line--add', del: 'ws-line ws-line--del', context: 'ws-line' };

/** One file's part of the diff, coloured (or plain past the cap, which it says). */
function FileDiff({ file, section }: { file: string; section: string }) {
  const shown = useMemo(() => highlightSection(file, section), [file, section]);
  return (
    <>
      {shown.plain === 'too-large' && (
        <p className="muted" data-testid="highlight-skipped">
          Shown without syntax colours: this file's diff is over {MAX_HIGHLIGHT_CHARS / 1024} KiB.
        </p>
      )}
      <pre className={shown.plain ? 'pre-block ws-diff' : 'pre-block ws-diff ws-diff--hl'} data-language={shown.language?.grammar ?? undefined}>
        {shown.lines.map((line, i) => (
          <span key={i} className={LINE_CLASS[line.kind]}>
            {line.sign && <span className="ws-sign">{line.sign}</span>}
            {line.tokens.map((token, j) => (token.className ? <span key={j} className={token.className}>{token.text}</span> : token.text))}
            {'\n'}
          </span>
        ))}
      </pre>
    </>
  );
}

/** A changed file: its summary always, its diff from the first opening on. */
function FileSection({ section, file, children }: { section: string | undefined; file: string; children: ReactNode }) {
  const [opened, setOpened] = useState(false);
  return (
    <details className="ws-file" data-testid="workspace-file" onToggle={(e) => e.currentTarget.open && setOpened(true)}>
      {children}
      {section === undefined ? <p className="muted">Not in the diff (it was cut at its size cap).</p> : opened && <FileDiff file={file} section={section} />}
    </details>
  );
}

export function WorkspaceView({ workspace, title = 'Workspace' }: { workspace: WorkspaceShown; title?: string }) {
  const sections = diffSections(workspace.diff);
  const outside = outsideLines(workspace);
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
      {outside.length > 0 && <p className="callout tone-warn">Outside the workdir: {outside.join('; ')}</p>}
      {isolationText(workspace.isolation) && (
        <p className="muted" data-testid="workspace-isolation">
          {isolationText(workspace.isolation)}
        </p>
      )}
      {workspace.files.length === 0 && <p className="muted">The agent left the workdir as the fixture was.</p>}
      {workspace.files.map((f) => {
        const language = languageOf(f.path);
        return (
          <FileSection key={f.path} file={f.path} section={sections.get(f.path)}>
            <summary>
              <code>{f.path}</code> <Badge tone={CHANGE_TONE[f.change]}>{f.change}</Badge>
              {f.binary && <span className="muted"> binary</span>}
              {language && <span className="muted"> {language.label}</span>}
            </summary>
          </FileSection>
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
