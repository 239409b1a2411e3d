/**
 * The Tasks table's rows: every task of a filter (100,000 by default) fetched once and then kept
 * live by events, never refetched per event. The newest few hundred come first in a small request,
 * so the table shows and answers the keyboard while the whole list is still on its way; while a new
 * filter loads, the rows shown before stay on screen.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useRef } from 'react';
import { taskKeys, type RowsFilter } from './keys.js';
import { useLive } from './provider.js';
import type { RowsData } from './rows-cache.js';

/** Enough rows to fill a tall window a few times over. */
export const HEAD_ROWS = 300;

export interface TaskRowsState {
  data: RowsData | undefined;
  /** All rows of the filter are loaded (not just the newest HEAD_ROWS). */
  complete: boolean;
  /** Nothing to show yet. */
  isPending: boolean;
  /** What is shown belongs to the previous filter; the new one is loading. */
  isStale: boolean;
  /** Shown rows are being reloaded (after a reconnect, say). */
  isRefreshing: boolean;
  error: unknown;
  refetch: () => void;
}

export function useTaskRows(filter: RowsFilter): TaskRowsState {
  const { live } = useLive();
  const queryClient = useQueryClient();
  const fullKey = taskKeys.rows(filter);
  const haveFull = queryClient.getQueryData(fullKey) !== undefined;
  const headFilter = useMemo<RowsFilter>(() => ({ ...filter, limit: HEAD_ROWS }), [filter]);
  const head = useQuery({
    queryKey: taskKeys.rows(headFilter),
    queryFn: () => live.fetchRows(headFilter),
    enabled: !haveFull,
    gcTime: 0,
  });
  // Asked once the head has answered: the hub serves one request at a time, the small one goes first.
  const full = useQuery({
    queryKey: fullKey,
    queryFn: () => live.fetchRows(filter),
    enabled: haveFull || head.status !== 'pending',
    // A search answer is rarely needed again; let it go soon (the unfiltered one stays longer).
    gcTime: filter.search ? 30_000 : 5 * 60_000,
  });
  const current = full.data ?? head.data;
  const previous = useRef<RowsData | undefined>(undefined);
  if (current) previous.current = current;
  return {
    data: current ?? previous.current,
    complete: full.data !== undefined || (head.data !== undefined && head.data.rows.length < HEAD_ROWS),
    isPending: current === undefined && previous.current === undefined,
    isStale: current === undefined && previous.current !== undefined,
    isRefreshing: full.isFetching && full.data !== undefined,
    error: full.error ?? head.error,
    refetch: () => void (full.data ? full.refetch() : head.refetch()),
  };
}
