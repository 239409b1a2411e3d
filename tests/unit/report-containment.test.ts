/**
 * The two HTML reports (a run, a comparison) say how each system test was kept inside its workdir
 * and what it wrote (or tried to write) outside it, as the app's workspace view does: the same
 * sentences, every string from the artifact escaped, and no script added to the strict-CSP page.
 */
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../core/compare/compare.js';
import { renderHtml } from '../../core/compare/render-html.js';
import { isolationText, outsideLines } from '../../core/display.js';
import type { WorkspaceArtifact } from '../../core/queue/artifact.js';
import { renderRunHtml } from '../../core/runs/render-run-html.js';
import { fail, record, task } from '../fixtures/run-records.js';

const CSP = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`;

function workspace(fields: Partial<WorkspaceArtifact> = {}): WorkspaceArtifact {
  return { fixture: 'fx', workdir: null, files: [], diff: '', truncated: false, outside: [], wrote_outside: [], refused_outside: [], check: null, ...fields };
}

const contained = workspace({
  isolation: { mode: 'contained', detail: 'bubblewrap <ro-bind> & "tmpfs"' },
  outside: ['../<b>evil</b>.txt (refused: the task was contained, the folder is read-only)'],
  refused_outside: ['../<b>evil</b>.txt'],
});
const detected = workspace({
  isolation: { mode: 'detected_only', detail: 'no user namespaces' },
  outside: ['../x.txt (written next to the workdir; removed with it)'],
  wrote_outside: ['../x.txt', '../../task-2-ab/work/<y>.js'],
});
/** A run from before containment was recorded: no isolation, no path lists. */
const older = { fixture: 'fx', workdir: null, files: [], diff: '', truncated: false, outside: [], check: null } as unknown as WorkspaceArtifact;

function expectSafePage(page: string): void {
  expect(page).toContain(CSP);
  expect(page).not.toMatch(/<script/i);
  expect(page).not.toContain('<b>evil</b>');
  expect(page).not.toContain('<y>');
}

describe('the run HTML report', () => {
  const run = record({ run_id: 'run-a' }, [
    task({ prompt_id: 'kept', backend: 'claude_code', artifact: { workspace: contained } }),
    task({ prompt_id: 'found', backend: 'claude_code', artifact: { workspace: detected } }),
    task({ prompt_id: 'old', backend: 'claude_code', artifact: { workspace: older } }),
  ]);
  const page = renderRunHtml(run);

  it('says how each task was kept in its workdir, with the detail, escaped', () => {
    expect(page).toContain('<div class="muted ws-isolation">Contained: the agent could write only its workdir (bubblewrap &lt;ro-bind&gt; &amp; &quot;tmpfs&quot;).</div>');
    expect(page).toContain('<div class="muted ws-isolation">Not contained here: writes outside the workdir are found after the task (no user namespaces).</div>');
    // The older run says nothing about containment (it was not recorded).
    expect(page.match(/ws-isolation/g)).toHaveLength(2);
    expectSafePage(page);
  });

  it('shows refused and written outside paths in sight (outside the collapsed workspace), including paths only the lists name', () => {
    expect(page).toContain('<div class="bad ws-outside">Outside the workdir: ../&lt;b&gt;evil&lt;/b&gt;.txt (refused: the task was contained, the folder is read-only)</div><details class="ws">');
    expect(page).toContain(
      '<div class="bad ws-outside">Outside the workdir: ../x.txt (written next to the workdir; removed with it); ../../task-2-ab/work/&lt;y&gt;.js (written outside the workdir)</div>',
    );
    // Each path once: the words already name ../x.txt.
    expect(page.match(/\.\.\/x\.txt/g)).toHaveLength(1);
    expect(page.match(/ws-outside/g)).toHaveLength(2);
  });
});

describe('the Compare HTML report', () => {
  const a = record({ run_id: 'run-a' }, [task({ prompt_id: 'fix', backend: 'claude_code', artifact: { workspace: detected } })]);
  // B regresses, so the pair (and its workspaces) is shown.
  const b = record({ run_id: 'run-b' }, [task({ prompt_id: 'fix', backend: 'claude_code', checks: [fail('the check `node test.js` passed')], artifact: { workspace: contained } })]);
  const page = renderHtml(compareRuns(a, b));

  it('shows each side’s containment and its outside writes, escaped', () => {
    const sideA = page.slice(page.indexOf('<b>Workspace A</b>'), page.indexOf('<b>Workspace B</b>'));
    const sideB = page.slice(page.indexOf('<b>Workspace B</b>'));
    expect(sideA).toContain('<div class="cat-new_failure ws-outside">Outside the workdir: ../x.txt (written next to the workdir; removed with it); ../../task-2-ab/work/&lt;y&gt;.js (written outside the workdir)</div>');
    expect(sideA).toContain('<div class="muted ws-isolation">Not contained here: writes outside the workdir are found after the task.</div>');
    expect(sideB).toContain('<div class="cat-new_failure ws-outside">Outside the workdir: ../&lt;b&gt;evil&lt;/b&gt;.txt (refused: the task was contained, the folder is read-only)</div>');
    expect(sideB).toContain('<div class="muted ws-isolation">Contained: the agent could write only its workdir.</div>');
    expectSafePage(page);
  });

  it('says nothing of containment for runs from before it was recorded', () => {
    const old = renderHtml(compareRuns(record({ run_id: 'run-a' }, [task({ prompt_id: 'fix', backend: 'claude_code', artifact: { workspace: older } })]), b));
    expect(old.match(/ws-isolation/g)).toHaveLength(1);
    expect(old).toContain('<b>Workspace A</b>');
  });
});

describe('the shared wording (app and reports)', () => {
  it('reads the isolation from the artifact or a compared side’s mode, nothing when absent', () => {
    expect(isolationText({ mode: 'contained', detail: '' })).toBe('Contained: the agent could write only its workdir.');
    expect(isolationText('detected_only')).toBe('Not contained here: writes outside the workdir are found after the task.');
    expect(isolationText(null)).toBeNull();
    expect(isolationText(undefined)).toBeNull();
  });

  it('lists the words first, then the written and refused paths they do not name', () => {
    expect(outsideLines({ outside: ['../a (written in the run’s folder)', 'link -> /etc'], wrote_outside: ['../a', '../b'], refused_outside: ['../c'] })).toEqual([
      '../a (written in the run’s folder)',
      'link -> /etc',
      '../b (written outside the workdir)',
      '../c (refused: the task was contained)',
    ]);
    expect(outsideLines({ outside: [] })).toEqual([]);
  });
});
