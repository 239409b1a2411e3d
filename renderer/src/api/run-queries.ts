/**
 * Query and mutation hooks of the Runs, Compare, Backends and Version lock pages, through the one
 * client and the key factories of api/. Runs refresh from hub events (api/live.ts); what events do
 * not cover (backend checks, the lock) refreshes after the user's own changes.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { call } from './client.js';
import { backendKeys, compareKeys, lockKeys, packKeys, runKeys } from './keys.js';
import type { ApiInput, RunSummary } from './types.js';

export function usePacks() {
  return useQuery({ queryKey: packKeys.list(), queryFn: () => call('packs.list', {}) });
}

/**
 * The backends and their checks (cached ~30 s by the server). `recheckNotReady` (the start dialog while
 * open) has the server check the not-ready ones again, so a CLI installed a moment ago is offered.
 */
export function useBackends(options: { recheckNotReady?: boolean } = {}) {
  const recheck = options.recheckNotReady === true;
  return useQuery({
    queryKey: recheck ? backendKeys.rechecked() : backendKeys.list(),
    queryFn: () => call('backends.list', recheck ? { recheck_not_ready: true } : {}),
    // The rechecked list is fetched again each time it is asked for (each opening of the dialog).
    ...(recheck ? { staleTime: 0 } : {}),
    placeholderData: keepPreviousData,
  });
}

export function useRun(runId: string | null) {
  return useQuery({ queryKey: runKeys.detail(runId ?? ''), queryFn: () => call('runs.get', { run_id: runId ?? '' }), enabled: runId !== null });
}

/**
 * A comparison, fetched again when the runs it may pick change: `runs` is the run list (kept live by
 * events); a new run or a run that finished can change "latest vs previous" or a pair's outcome.
 */
export function useComparison(input: ApiInput<'compare.runs'>, runs: readonly RunSummary[] | undefined) {
  const qc = useQueryClient();
  const signature = runs?.map((r) => `${r.run.run_id}:${r.run.finished_at ?? ''}`).join(',');
  const previous = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (signature === undefined) return;
    if (previous.current !== undefined && previous.current !== signature) void qc.invalidateQueries({ queryKey: compareKeys.all });
    previous.current = signature;
  }, [qc, signature]);
  return useQuery({ queryKey: compareKeys.runs(input), queryFn: () => call('compare.runs', input), placeholderData: keepPreviousData, staleTime: 0 });
}

/**
 * Two runs compared without their pairs (`pairs: false`: the gate and matrix, a tenth of the bytes
 * for 30,000 tasks), then, once that is shown, with them (the hub kept the comparison: only the
 * answer is bigger). `pairs` is null until the second answer is in.
 */
export function useComparisonInStages(input: ApiInput<'compare.runs'>, runs: readonly RunSummary[] | undefined) {
  const first = useComparison({ ...input, pairs: false }, runs);
  const shown = first.data?.comparison ?? null;
  const full = useQuery({
    queryKey: compareKeys.runs({ ...input, pairs: true }),
    queryFn: () => call('compare.runs', { ...input, pairs: true }),
    enabled: shown !== null && !first.isPlaceholderData,
    staleTime: 0,
  });
  const pairs = full.data?.comparison && shown && full.data.comparison.a.run_id === shown.a.run_id && full.data.comparison.b.run_id === shown.b.run_id ? full.data.comparison : null;
  return { ...first, pairs, pairsError: full.error, refetchPairs: full.refetch };
}

/** One matrix cell in full (every try of both runs with its diff); fetched when the cell is opened. */
export function useCompareRow(input: ApiInput<'compare.row'> | null) {
  return useQuery({ queryKey: compareKeys.row(input ?? { run_a: '', run_b: '', prompt_id: '', backend: '' }), queryFn: () => call('compare.row', input as ApiInput<'compare.row'>), enabled: input !== null });
}

/** A prompt's pass rate on a backend across the pack's runs. */
export function usePassRateHistory(input: ApiInput<'compare.history'> | null) {
  return useQuery({ queryKey: compareKeys.history(input ?? { pack_name: '', prompt_id: '', backend: '' }), queryFn: () => call('compare.history', input as ApiInput<'compare.history'>), enabled: input !== null });
}

export function usePrompts(runId: string | null) {
  return useQuery({ queryKey: runKeys.prompts(runId ?? ''), queryFn: () => call('runs.prompts', { run_id: runId ?? '' }), enabled: runId !== null });
}

export function useSideBySide(runId: string | null, promptId: string | null) {
  return useQuery({
    queryKey: runKeys.sideBySide(runId ?? '', promptId ?? ''),
    queryFn: () => call('runs.sideBySide', { run_id: runId ?? '', prompt_id: promptId ?? '' }),
    enabled: runId !== null && promptId !== null,
  });
}

export function useLockCheck() {
  return useQuery({ queryKey: lockKeys.check(), queryFn: () => call('lock.check', {}) });
}

export function useStartRun() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: ApiInput<'runs.start'>) => call('runs.start', input),
    onSuccess: () => qc.invalidateQueries({ queryKey: runKeys.all }),
  });
}

/** "Start system test" in one click: the server picks the backends or says why it cannot. */
export function useStartSystemTest() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => call('runs.startSystemTest', {}),
    onSuccess: () => qc.invalidateQueries({ queryKey: runKeys.all }),
  });
}

export function useMarkBaseline() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (runId: string) => call('runs.baseline', { run_id: runId }),
    onSuccess: () => Promise.all([qc.invalidateQueries({ queryKey: runKeys.all }), qc.invalidateQueries({ queryKey: compareKeys.all })]),
  });
}

export function useRunGrid(runId: string) {
  return useQuery({ queryKey: runKeys.grid(runId), queryFn: () => call('runs.grid', { run_id: runId }) });
}

export function useDeleteRun() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (runId: string) => call('runs.delete', { run_id: runId, confirm: true }),
    onSuccess: (_result, runId) => {
      qc.removeQueries({ queryKey: runKeys.detail(runId) });
      qc.removeQueries({ queryKey: runKeys.grid(runId) });
      return Promise.all([qc.invalidateQueries({ queryKey: runKeys.all }), qc.invalidateQueries({ queryKey: compareKeys.all })]);
    },
  });
}

export function usePick() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: ApiInput<'runs.pick'>) => call('runs.pick', input),
    onSuccess: (_result, input) =>
      Promise.all([qc.invalidateQueries({ queryKey: runKeys.sideBySide(input.run_id, input.prompt_id) }), qc.invalidateQueries({ queryKey: runKeys.prompts(input.run_id) })]),
  });
}

/** Settings and local agents change what backends.list answers: refetch it after each. */
export function useBackendAction() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (action: { kind: 'configure'; input: ApiInput<'backends.configure'> } | { kind: 'start'; input: ApiInput<'agents.start'> } | { kind: 'stop'; input: ApiInput<'agents.stop'> }) =>
      action.kind === 'configure' ? call('backends.configure', action.input) : action.kind === 'start' ? call('agents.start', action.input) : call('agents.stop', action.input),
    onSuccess: () => qc.invalidateQueries({ queryKey: backendKeys.all }),
  });
}

export function useWriteLock() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => call('lock.write', { confirm: true }),
    onSuccess: () => qc.invalidateQueries({ queryKey: lockKeys.all }),
  });
}
