/**
 * System tests in a comparison: per pair, each side's workspace diff and check, which files the two
 * agents touched differently, and a diff of the two diffs (what one agent did that the other did
 * not, line by line).
 */
import type { WorkspaceArtifact } from '../queue/artifact.js';
import type { RunTask } from '../runs/types.js';
import { diffSections } from '../highlight/diff-lines.js';
import { diffAnswers } from './text-diff.js';
import type { TextDiff } from './types.js';

export type FileChange = WorkspaceArtifact['files'][number]['change'];

export interface WorkspaceSide {
  fixture: string | null;
  files: WorkspaceArtifact['files'];
  diff: string;
  truncated: boolean;
  outside: string[];
  /** Paths written outside the workdir / refused by the containment (relative to the workdir). */
  wrote_outside: string[];
  refused_outside: string[];
  /** `contained` or `detected_only` (null: a run from before either was recorded). */
  isolation: NonNullable<WorkspaceArtifact['isolation']>['mode'] | null;
  check: { command: string; pass: boolean; exit_code: number | null; reason: string } | null;
}

/** A file the agents left in different states: how each changed it (null: untouched on that side). */
export interface FileTouch {
  path: string;
  a: FileChange | null;
  b: FileChange | null;
  /** Both changed it, with different results. */
  differently: boolean;
}

export interface WorkspaceComparison {
  a: WorkspaceSide | null;
  b: WorkspaceSide | null;
  /** Files whose change differs between the sides (empty: both did the same to the workdir). */
  touched_differently: FileTouch[];
  /** A's workspace diff against B's; null when they are the same (or a side has none). */
  diff_of_diffs: TextDiff | null;
}

function side(task: RunTask | null): WorkspaceSide | null {
  const ws = task?.artifact?.workspace;
  if (!ws) return null;
  return {
    fixture: ws.fixture,
    files: ws.files,
    diff: ws.diff,
    truncated: ws.truncated,
    outside: ws.outside,
    // Artifacts stored before these fields existed lack them.
    wrote_outside: (ws.wrote_outside as string[] | undefined) ?? [],
    refused_outside: (ws.refused_outside as string[] | undefined) ?? [],
    isolation: ws.isolation?.mode ?? null,
    check: ws.check ? { command: ws.check.command, pass: ws.check.pass, exit_code: ws.check.exit_code, reason: ws.check.reason } : null,
  };
}

/** The workspace diff text of a task ('' for a task without a system test): pairs compare by it. */
export function workspaceDiffOf(task: RunTask | null): string {
  return task?.artifact?.workspace?.diff ?? '';
}

export function compareWorkspaces(a: RunTask | null, b: RunTask | null): WorkspaceComparison | null {
  const left = side(a);
  const right = side(b);
  if (!left && !right) return null;
  const changeA = new Map((left?.files ?? []).map((f) => [f.path, f.change]));
  const changeB = new Map((right?.files ?? []).map((f) => [f.path, f.change]));
  const sectionsA = diffSections(left?.diff ?? '');
  const sectionsB = diffSections(right?.diff ?? '');
  const touched: FileTouch[] = [];
  for (const path of [...new Set([...changeA.keys(), ...changeB.keys()])].sort()) {
    const ca = changeA.get(path) ?? null;
    const cb = changeB.get(path) ?? null;
    const sameSection = sectionsA.get(path) === sectionsB.get(path);
    if (ca === cb && sameSection) continue;
    touched.push({ path, a: ca, b: cb, differently: ca !== null && cb !== null });
  }
  const diffOfDiffs = left && right && left.diff !== right.diff ? diffAnswers(left.diff, right.diff) : null;
  return { a: left, b: right, touched_differently: touched, diff_of_diffs: diffOfDiffs };
}

/** One line on how the two sides' workspaces differ, for summaries: "test.js (B deleted), math.js (both changed, differently)". */
export function touchedText(touch: FileTouch): string {
  if (touch.differently) return `${touch.path} (${touch.a === touch.b ? `both ${touch.a}, differently` : `A ${touch.a}, B ${touch.b}`})`;
  return `${touch.path} (${touch.a ? `A ${touch.a}` : `B ${touch.b}`} only)`;
}
