/**
 * Query keys, one small factory per resource, so invalidation by event (api/live.ts) and the
 * pages agree on them. Every key starts with its resource name: `invalidateQueries({ queryKey:
 * taskKeys.all })` reaches every task query.
 */
import type { ApiInput } from '../../../core/api.js';

export type RowsFilter = Omit<ApiInput<'tasks.rows'>, 'limit'> & { limit?: number };

export const hubKeys = {
  all: ['hub'] as const,
  status: () => ['hub', 'status'] as const,
};

export const taskKeys = {
  all: ['tasks'] as const,
  rowsAll: () => ['tasks', 'rows'] as const,
  rows: (filter: RowsFilter) => ['tasks', 'rows', filter] as const,
  detail: (taskId: number) => ['tasks', 'detail', taskId] as const,
  /** Finished rows loaded once to seed the Overview's throughput plot (never patched by events). */
  finishedSeed: (limit: number) => ['tasks', 'finishedSeed', limit] as const,
  /** Live output of a running task, built from `output` events only (never fetched). */
  output: (taskId: number) => ['tasks', 'output', taskId] as const,
};

export const workerKeys = {
  all: ['workers'] as const,
  list: () => ['workers', 'list'] as const,
};

export const runKeys = {
  all: ['runs'] as const,
  list: (input: ApiInput<'runs.list'> = {}) => ['runs', 'list', input] as const,
  detail: (runId: string) => ['runs', 'detail', runId] as const,
  grid: (runId: string) => ['runs', 'grid', runId] as const,
  prompts: (runId: string) => ['runs', 'prompts', runId] as const,
  sideBySide: (runId: string, promptId: string) => ['runs', 'sideBySide', runId, promptId] as const,
};

export const compareKeys = {
  all: ['compare'] as const,
  runs: (input: ApiInput<'compare.runs'>) => ['compare', 'runs', input] as const,
  row: (input: ApiInput<'compare.row'>) => ['compare', 'row', input] as const,
  history: (input: ApiInput<'compare.history'>) => ['compare', 'history', input] as const,
};

export const packKeys = {
  all: ['packs'] as const,
  list: () => ['packs', 'list'] as const,
};

export const backendKeys = {
  all: ['backends'] as const,
  list: () => ['backends', 'list'] as const,
  /** The list with the not-ready backends checked again (the start dialog). */
  rechecked: () => ['backends', 'list', 'rechecked'] as const,
};

export const lockKeys = {
  all: ['lock'] as const,
  check: () => ['lock', 'check'] as const,
};
