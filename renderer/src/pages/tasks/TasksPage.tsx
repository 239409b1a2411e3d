/**
 * Tasks: every task in one virtualized table (loaded once, then patched by events), filters and a
 * server-side prompt search, the selected task's details, the enqueue form, retry and cancel.
 * Filters and the selection live in the URL (`#/tasks?status=failed&task=12`), so other pages link here.
 */
import { lazy, Suspense, useEffect, useEffectEvent, useMemo, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { taskKeys, type RowsFilter } from '../../api/keys.js';
import { useHubStatus, useRuns, useWorkers } from '../../api/queries.js';
import { useTaskRows } from '../../api/useTaskRows.js';
import { DEFAULT_ROWS_LIMIT, findRow } from '../../api/rows-cache.js';
import type { ApiResult, TaskRow, TaskStatus } from '../../api/types.js';
import { TASK_STATUS_ORDER } from '../../api/types.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatCount } from '../../lib/format.js';
import { navigate, useLocation, type Params } from '../../lib/router.js';
import { useShortcuts } from '../../lib/shortcuts.js';
import { useDebounced } from '../../lib/useDebounced.js';
import { TaskDetail } from './TaskDetail.js';
import { TaskFilters, type FilterValues } from './TaskFilters.js';
import { TaskTable } from './TaskTable.js';
import { canCancel, canRetry, useTaskActions } from './useTaskActions.js';
import './tasks.css';

/** How long the "added task N" confirmation stays. */
const NOTICE_MS = 6000;

const EnqueueForm = lazy(() => import('./EnqueueForm.js'));
const EMPTY: readonly TaskRow[] = [];

function parseStatus(value: string | null): TaskStatus | '' {
  return TASK_STATUS_ORDER.find((s) => s === value) ?? '';
}

/** Backends seen so far (rows and agents), kept when a filter hides them, so the list stays put. */
function useKnownBackends(rows: readonly TaskRow[], extra: readonly string[]): string[] {
  const known = useRef(new Set<string>());
  return useMemo(() => {
    let last: string | null = null;
    for (const row of rows) {
      if (row.backend !== null && row.backend !== last) known.current.add(row.backend);
      last = row.backend;
    }
    for (const name of extra) known.current.add(name);
    return [...known.current].sort();
  }, [rows, extra]);
}

export default function TasksPage() {
  const { params } = useLocation();
  const filters: FilterValues = { status: parseStatus(params.get('status')), backend: params.get('backend') ?? '', run: params.get('run') ?? '' };
  const selectedId = Number(params.get('task')) || null;
  const [searchText, setSearchText] = useState(params.get('q') ?? '');
  const search = useDebounced(searchText.trim(), 250);
  const [enqueueOpen, setEnqueueOpen] = useState(false);
  const [notice, setNotice] = useState('');
  // A confirmation, not a status: the row itself shows where the task is now.
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(''), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice]);
  const searchRef = useRef<HTMLInputElement>(null);
  const tableRef = useRef<HTMLDivElement>(null);
  const detailRef = useRef<HTMLElement>(null);
  const actions = useTaskActions();

  const filter = useMemo<RowsFilter>(() => {
    const f: RowsFilter = { limit: DEFAULT_ROWS_LIMIT };
    if (filters.status) f.status = filters.status;
    if (filters.backend) f.backend = filters.backend;
    if (filters.run) f.run_id = filters.run;
    if (search) f.search = search;
    return f;
  }, [filters.status, filters.backend, filters.run, search]);
  const rowsQuery = useTaskRows(filter);
  const rows = rowsQuery.data?.rows ?? EMPTY;
  const status = useHubStatus();
  const runs = useRuns({ limit: 50 });
  const workers = useWorkers();
  const workerBackends = useMemo(() => workers.data?.workers.flatMap((w) => w.backends) ?? [], [workers.data]);
  const backends = useKnownBackends(rows, workerBackends);
  // The details follow the selection after a short pause, so holding ↓ does not fetch every row.
  const detailId = useDebounced(selectedId, 120);

  const setParams = (next: Params, replace = true) => {
    const merged: Params = { status: filters.status, backend: filters.backend, run: filters.run, q: search, task: selectedId, ...next };
    navigate('/tasks', merged, { replace });
  };
  const select = (taskId: number | null) => setParams({ task: taskId });
  const focusTable = () => tableRef.current?.querySelector<HTMLElement>('[role="grid"]')?.focus();
  const closeDetail = () => {
    select(null);
    focusTable();
  };
  const runLabels = useMemo(() => new Map((runs.data?.runs ?? []).map(({ run }) => [run.run_id, run.label])), [runs.data]);
  const runLabel = (runId: string) => runLabels.get(runId) ?? null;
  // The settled search goes into the URL too, so a reload or a shared link keeps it.
  // Only when the settled search changes; the other params are read as they are then.
  const searchIntoUrl = useEffectEvent((settled: string) => {
    if ((params.get('q') ?? '') !== settled) setParams({ q: settled });
  });
  useEffect(() => searchIntoUrl(search), [search]);
  // The open task's details are fresher than its row (a mutation refreshes them at once).
  const queryClient = useQueryClient();
  const selectedStatus = (): TaskStatus | undefined => {
    if (selectedId === null) return undefined;
    const detail = queryClient.getQueryData<ApiResult<'tasks.get'>>(taskKeys.detail(selectedId));
    const row = rows[findRow(rows, selectedId).index];
    return detail?.task.status ?? (row?.task_id === selectedId ? row.status : undefined);
  };

  useShortcuts({
    '/': () => searchRef.current?.focus(),
    n: () => setEnqueueOpen(true),
    r: () => {
      const status = selectedStatus();
      if (selectedId !== null && status && canRetry(status)) actions.retry.mutate(selectedId);
    },
    c: () => {
      const status = selectedStatus();
      if (selectedId !== null && status && canCancel(status)) actions.askCancel(selectedId);
    },
    Escape: () => {
      if (selectedId !== null) closeDetail();
    },
  });

  return (
    <section className="page tasks-page" aria-labelledby="tasks-title">
      <h1 id="tasks-title">Tasks</h1>
      <TaskFilters
        ref={searchRef}
        values={filters}
        search={searchText}
        stats={status.data?.stats}
        backends={backends}
        runs={runs.data?.runs ?? []}
        onChange={(next) => setParams({ status: next.status, backend: next.backend, run: next.run })}
        onSearch={setSearchText}
        onNewTask={() => setEnqueueOpen(true)}
      />
      <p className="tasks-summary" aria-live="polite">
        {rowsQuery.isPending
          ? 'Loading tasks…'
          : rowsQuery.complete
            ? `${formatCount(rows.length)} task${rows.length === 1 ? '' : 's'}${rows.length >= DEFAULT_ROWS_LIMIT ? ' (the newest; narrow the filter to see older ones)' : ''}, newest first`
            : `The newest ${formatCount(rows.length)} tasks; loading the rest…`}
        {(rowsQuery.isStale || rowsQuery.isRefreshing) && ' · updating…'}
        {notice && <span className="tasks-summary__notice"> · {notice}</span>}
      </p>
      {rowsQuery.error != null && <ErrorNotice title="Could not load the tasks" error={rowsQuery.error} onRetry={rowsQuery.refetch} />}
      <div className={`tasks-split${selectedId !== null ? ' tasks-split--detail' : ''}`}>
        <div className="tasks-split__table" ref={tableRef}>
          {!rowsQuery.isPending && rows.length === 0 && !rowsQuery.error ? (
            <p className="muted tasks-empty">{search || filters.status || filters.backend || filters.run ? 'No task matches these filters.' : 'No tasks yet. Press “New task” to queue one.'}</p>
          ) : (
            <TaskTable
              rows={rows}
              selectedId={selectedId}
              onSelect={select}
              onOpen={(taskId) => {
                select(taskId);
                requestAnimationFrame(() => detailRef.current?.focus());
              }}
              label="Tasks, newest first"
              runLabels={runLabels}
            />
          )}
        </div>
        {selectedId !== null && (
          <TaskDetail
            ref={detailRef}
            taskId={detailId ?? selectedId}
            actions={actions}
            runLabel={runLabel}
            onClose={closeDetail}
          />
        )}
      </div>
      {enqueueOpen && (
        <Suspense fallback={null}>
          <EnqueueForm
            backends={backends}
            onClose={() => setEnqueueOpen(false)}
            onDone={(taskId) => {
              setEnqueueOpen(false);
              setNotice(`added task ${taskId}`);
              select(taskId);
            }}
          />
        </Suspense>
      )}
      <ConfirmDialog
        open={actions.confirming !== null}
        title={`Cancel task ${actions.confirming ?? ''}?`}
        confirmLabel="Cancel the task"
        danger
        busy={actions.cancel.isPending}
        onConfirm={() => actions.confirming !== null && actions.cancel.mutate(actions.confirming)}
        onCancel={() => actions.askCancel(null)}
      >
        <p>A queued task will not run; a running one is stopped and its agent moves on. It can be retried later.</p>
        {actions.cancel.error && <ErrorNotice title="The task was not cancelled" error={actions.cancel.error} />}
      </ConfirmDialog>
    </section>
  );
}
