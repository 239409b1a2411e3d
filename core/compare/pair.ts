/**
 * Pairs the tasks of two runs and says what happened to each pair: paired by (prompt id, backend,
 * repeat index), then by prompt text for the tasks whose ids found no partner (a pack whose ids
 * were added or renamed between the runs), the rest is only in one run.
 */
import type { CheckResult } from '../runs/expect.js';
import type { RunTask } from '../runs/types.js';
import { pairDeltas, valueChange } from './deltas.js';
import { diffAnswers } from './text-diff.js';
import type { ComparedPair, PairCategory, PairSide } from './types.js';
import { compareWorkspaces, workspaceDiffOf } from './workspace.js';

/** Characters of an answer kept in a pair side (the whole answer stays in the run record). */
export const ANSWER_EXCERPT_CHARS = 2_000;
/** Characters of an error message kept in a pair side. */
export const ERROR_CHARS = 2_000;

export interface TaskPair {
  a: RunTask | null;
  b: RunTask | null;
  matched_by: 'id' | 'text' | null;
}

function keyOf(prompt: string, task: RunTask): string {
  // NUL cannot occur in a backend name, so the parts cannot run into each other.
  return `${task.backend}\u0000${task.repeat_index}\u0000${prompt}`;
}

function queues(tasks: RunTask[], key: (task: RunTask) => string | null): Map<string, RunTask[]> {
  const map = new Map<string, RunTask[]>();
  for (const task of tasks) {
    const k = key(task);
    if (k === null) continue;
    const list = map.get(k);
    if (list) list.push(task);
    else map.set(k, [task]);
  }
  return map;
}

/** Pairs in A's task order, then the tasks only in B in B's order. */
export function pairTasks(a: RunTask[], b: RunTask[]): TaskPair[] {
  const byId = (task: RunTask) => (task.prompt_id ? keyOf(task.prompt_id, task) : null);
  const byText = (task: RunTask) => keyOf(task.prompt, task);
  const partner = new Map<RunTask, TaskPair>();
  const taken = new Set<RunTask>();

  const idQueues = queues(b, byId);
  for (const task of a) {
    const key = byId(task);
    const match = key === null ? undefined : idQueues.get(key)?.shift();
    if (match) {
      partner.set(task, { a: task, b: match, matched_by: 'id' });
      taken.add(match);
    }
  }
  const textQueues = queues(
    b.filter((task) => !taken.has(task)),
    byText,
  );
  for (const task of a) {
    if (partner.has(task)) continue;
    const match = textQueues.get(byText(task))?.shift();
    if (match) {
      partner.set(task, { a: task, b: match, matched_by: 'text' });
      taken.add(match);
    }
  }
  return [
    ...a.map((task) => partner.get(task) ?? { a: task, b: null, matched_by: null }),
    ...b.filter((task) => !taken.has(task)).map((task): TaskPair => ({ a: null, b: task, matched_by: null })),
  ];
}

/** Done and every check passes. */
export function isOk(task: RunTask): boolean {
  return task.status === 'done' && task.pass;
}

/** Checks by name that passed in A and fail in B, and the names of those that went the other way. */
export function checkChanges(a: RunTask, b: RunTask): { regressions: CheckResult[]; fixes: string[] } {
  const before = new Map(a.checks.map((check) => [check.check, check.pass]));
  const regressions = b.checks.filter((check) => !check.pass && before.get(check.check) === true);
  const fixes = b.checks.filter((check) => check.pass && before.get(check.check) === false).map((check) => check.check);
  return { regressions, fixes };
}

export function categorize(a: RunTask | null, b: RunTask | null, regressions: number): PairCategory {
  if (!b) return 'only_in_a';
  if (!a) return 'only_in_b';
  const okA = isOk(a);
  const okB = isOk(b);
  if ((okA && !okB) || regressions > 0) return 'new_failure';
  if (!okA) return okB ? 'fixed' : 'still_failing';
  // A system test's agents that answered alike but left different workdirs did change.
  return a.result === b.result && workspaceDiffOf(a) === workspaceDiffOf(b) ? 'unchanged' : 'changed';
}

function clip(text: string | null | undefined, max: number): string | null {
  if (text === null || text === undefined) return null;
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function pairSide(task: RunTask): PairSide {
  const artifact = task.artifact;
  return {
    task_id: task.task_id,
    status: task.status,
    ok: isOk(task),
    answer_chars: task.result === null ? null : task.result.length,
    answer_excerpt: task.result === null ? null : task.result.slice(0, ANSWER_EXCERPT_CHARS),
    answer_excerpt_truncated: task.result !== null && task.result.length > ANSWER_EXCERPT_CHARS,
    error: clip(task.error ?? artifact?.failure_message, ERROR_CHARS),
    failure_class: artifact?.failure_class ?? null,
    cli_version: artifact?.cli_version ?? null,
    model: artifact?.model ?? null,
    checks: task.checks,
  };
}

/** What counting and grouping need of a pair, without the sides, deltas and diff of a ComparedPair. */
export interface PairOutline {
  key: string;
  category: PairCategory;
  backend: string;
  /** Cost on each side when reported (for the like-for-like cost per backend). */
  cost_a: number | null;
  cost_b: number | null;
}

export function pairKey({ a, b }: TaskPair): string {
  return `${a?.task_id ?? '-'}:${b?.task_id ?? '-'}`;
}

export function outlinePair(pair: TaskPair): PairOutline {
  const { a, b } = pair;
  const regressions = a && b ? checkChanges(a, b).regressions.length : 0;
  const cost = (task: RunTask | null) => (typeof task?.artifact?.cost_usd === 'number' && Number.isFinite(task.artifact.cost_usd) ? task.artifact.cost_usd : null);
  return { key: pairKey(pair), category: categorize(a, b, regressions), backend: (b ?? a)?.backend ?? '', cost_a: cost(a), cost_b: cost(b) };
}

/** `withDiff` false leaves `diff` null (a comparison of many repeats diffs only each row's example pair: see compare.ts). */
export function comparePair({ a, b, matched_by }: TaskPair, withDiff = true): ComparedPair {
  const anchor = b ?? a;
  if (!anchor) throw new Error('a task pair needs at least one task');
  const { regressions, fixes } = a && b ? checkChanges(a, b) : { regressions: [], fixes: [] };
  const category = categorize(a, b, regressions.length);
  const cliVersionChange = valueChange(a?.artifact?.cli_version, b?.artifact?.cli_version);
  const modelChange = valueChange(a?.artifact?.model, b?.artifact?.model);
  const promptChanged = a !== null && b !== null && a.prompt !== b.prompt;
  const causes: string[] = [];
  if (category === 'changed' || category === 'new_failure') {
    if (cliVersionChange) causes.push(`${anchor.backend} ${cliVersionChange.from} → ${cliVersionChange.to}`);
    if (modelChange) causes.push(`${anchor.backend} model ${modelChange.from} → ${modelChange.to}`);
    if (promptChanged) causes.push('the prompt text changed');
  }
  const workspace = withDiff ? compareWorkspaces(a, b) : null;
  const diff = withDiff && a && b && a.result !== null && b.result !== null && a.result !== b.result ? diffAnswers(a.result, b.result) : null;
  return {
    key: pairKey({ a, b, matched_by }),
    category,
    prompt_id: anchor.prompt_id,
    prompt: anchor.prompt,
    backend: anchor.backend,
    repeat_index: anchor.repeat_index,
    matched_by,
    prompt_changed: promptChanged,
    a: a ? pairSide(a) : null,
    b: b ? pairSide(b) : null,
    check_regressions: regressions,
    check_fixes: fixes,
    deltas: pairDeltas(a, b),
    diff,
    cli_version_change: cliVersionChange,
    model_change: modelChange,
    likely_cause: causes.length > 0 ? causes.join('; ') : null,
    ...(workspace ? { workspace } : {}),
  };
}
