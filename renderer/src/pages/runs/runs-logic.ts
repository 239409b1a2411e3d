/**
 * What the Runs page computes from the contract's data: the start dialog's defaults and checks,
 * progress bars per backend, pass/fail counts, and whether a run is still going.
 */
import type { ApiInput, BackendView, PackInfo, RunInfo, RunRollup } from '../../api/types.js';

export const DEFAULT_PACK = 'smoke';

/** `smoke` when there is such a pack, else the first one. */
export function defaultPack(packs: PackInfo[]): string | null {
  return (packs.find((p) => p.name === DEFAULT_PACK) ?? packs[0])?.name ?? null;
}

/** Backends whose preflight passed (ok, or ok with warnings): the ones a run can use now. */
export function readyBackends(backends: BackendView[]): string[] {
  return backends.filter((b) => b.preflight.status === 'ok' || b.preflight.status === 'warn').map((b) => b.name);
}

/**
 * The backends to preselect: the user's last choice (those that still exist), so a backend they
 * unticked stays unticked; the ready ones when they have not chosen yet.
 */
export function preselectedBackends(backends: BackendView[], remembered: readonly string[] | null): string[] {
  if (remembered === null) return readyBackends(backends);
  const names = new Set(backends.map((b) => b.name));
  return remembered.filter((name) => names.has(name));
}

/** The last choice of backends as kept in storage: a list of names, or null when there is none (or it is not one). */
export function parseRemembered(text: string | null): string[] | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null;
  } catch {
    return null;
  }
}

/** The chosen backends that cannot run here now, each with its first reason. */
export function notReadyChosen(backends: BackendView[], chosen: readonly string[]): { name: string; reason: string }[] {
  return backends
    .filter((b) => chosen.includes(b.name) && b.preflight.status === 'fail')
    .map((b) => ({ name: b.name, reason: b.preflight.problems[0] ?? 'its check failed' }));
}

export interface StartForm {
  pack: string;
  backends: string[];
  label: string;
  repeat: string;
}

export type StartCheck = { ok: true; input: ApiInput<'runs.start'> } | { ok: false; error: string };

/** The dialog's fields as a runs.start input, or what to fix in plain words. */
export function checkStart(form: StartForm): StartCheck {
  if (!form.pack) return { ok: false, error: 'Choose a pack of prompts to run.' };
  if (form.backends.length === 0) return { ok: false, error: 'Choose at least one backend to run the prompts on.' };
  // Blank: the pack's default (its header's repeat, else mittelo.config.json's, else 1).
  const repeat = form.repeat.trim() === '' ? undefined : Number(form.repeat.trim());
  if (repeat !== undefined && (!Number.isInteger(repeat) || repeat < 1 || repeat > 100)) return { ok: false, error: 'Repeat must be a whole number from 1 to 100, or blank for the pack’s default.' };
  const label = form.label.trim();
  if (label.length > 200) return { ok: false, error: 'The label can be at most 200 characters.' };
  return { ok: true, input: { pack: form.pack, backends: form.backends, preset: 'smoke', ...(repeat !== undefined ? { repeat } : {}), ...(label ? { label } : {}) } };
}

/** A done task is `passed`, `checks_failed` or (a command / judge still deciding) `checking`. */
export type BarKind = 'passed' | 'checks_failed' | 'checking' | 'failed' | 'running' | 'queued' | 'cancelled';
export const BAR_KINDS: readonly BarKind[] = ['passed', 'checks_failed', 'checking', 'failed', 'running', 'queued', 'cancelled'];
const BAR_WORDS: Record<BarKind, string> = { passed: 'passed', checks_failed: 'failed checks', checking: 'checking', failed: 'failed', running: 'running', queued: 'queued', cancelled: 'cancelled' };

export interface BarSegment {
  kind: BarKind;
  count: number;
  /** Share of the bar in percent (0–100). */
  pct: number;
}

export interface Progress {
  backend: string | null;
  total: number;
  finished: number;
  segments: BarSegment[];
  /** "4 of 4 finished: 1 passed, 3 failed checks". */
  text: string;
}

export function progressOf(r: RunRollup): Progress {
  const checking = r.checks_pending ?? 0;
  const counts: Record<BarKind, number> = {
    passed: r.passed,
    checks_failed: r.check_failures,
    checking,
    failed: r.failed,
    running: r.running,
    queued: r.queued,
    cancelled: r.cancelled,
  };
  const segments = BAR_KINDS.filter((k) => counts[k] > 0).map((kind) => ({ kind, count: counts[kind], pct: r.total > 0 ? (counts[kind] / r.total) * 100 : 0 }));
  const finished = r.done + r.failed + r.cancelled;
  const parts = segments.map((s) => `${s.count} ${BAR_WORDS[s.kind]}`).join(', ');
  return { backend: r.backend, total: r.total, finished, segments, text: `${finished} of ${r.total} finished${parts ? `: ${parts}` : ''}` };
}

/** The whole-run rollup (backend null) and the per-backend ones, as runs.list returns them. */
export function splitRollups(rollups: RunRollup[]): { total: RunRollup | null; backends: RunRollup[] } {
  return { total: rollups.find((r) => r.backend === null) ?? null, backends: rollups.filter((r) => r.backend !== null) };
}

/** Still has queued or running tasks, or checks (command, judge) still deciding. */
export function isActive(total: RunRollup | null): boolean {
  return total !== null && total.queued + total.running + (total.checks_pending ?? 0) > 0;
}

export interface PassFail {
  passed: number;
  /** Failed tasks plus done tasks whose checks failed. */
  failed: number;
  pending: number;
}

export function passFail(total: RunRollup | null): PassFail {
  if (!total) return { passed: 0, failed: 0, pending: 0 };
  return { passed: total.passed, failed: total.failed + total.check_failures, pending: total.queued + total.running + (total.checks_pending ?? 0) };
}

/** The newest run of a pack. */
export function latestRunOf(runs: { run: RunInfo }[], pack: string): RunInfo | null {
  let latest: RunInfo | null = null;
  for (const { run } of runs) if (run.pack_name === pack && (!latest || run.created_at > latest.created_at)) latest = run;
  return latest;
}

/** Whether a hub event's task belongs to one of these runs (so the run queries refresh). */
export function touchesRuns(runIds: ReadonlySet<string>, taskRunId: string | null | undefined): boolean {
  return typeof taskRunId === 'string' && runIds.has(taskRunId);
}
