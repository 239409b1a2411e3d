/** The toolbar over the table: status, backend and run filters, prompt search, new task. */
import { forwardRef } from 'react';
import type { RunSummary, Stats, TaskStatus } from '../../api/types.js';
import { TASK_STATUS_ORDER } from '../../api/types.js';
import { STATUS_LABEL } from '../../components/StatusBadge.js';
import { formatCount, formatTime } from '../../lib/format.js';

export interface FilterValues {
  status: TaskStatus | '';
  backend: string;
  run: string;
}

export interface TaskFiltersProps {
  values: FilterValues;
  search: string;
  stats: Stats | undefined;
  backends: readonly string[];
  runs: readonly RunSummary[];
  onChange: (next: FilterValues) => void;
  onSearch: (text: string) => void;
  onNewTask: () => void;
}

export const TaskFilters = forwardRef<HTMLInputElement, TaskFiltersProps>(function TaskFilters(
  { values, search, stats, backends, runs, onChange, onSearch, onNewTask },
  searchRef,
) {
  const total = stats ? Object.values(stats).reduce((a, b) => a + b, 0) : null;
  return (
    <div className="task-filters" role="search" aria-label="Filter tasks">
      <label>
        Status
        <select value={values.status} onChange={(e) => onChange({ ...values, status: e.currentTarget.value as TaskStatus | '' })}>
          <option value="">All{total !== null ? ` (${formatCount(total)})` : ''}</option>
          {TASK_STATUS_ORDER.map((status) => (
            <option key={status} value={status}>
              {STATUS_LABEL[status]}
              {stats ? ` (${formatCount(stats[status])})` : ''}
            </option>
          ))}
        </select>
      </label>
      <label>
        Backend
        <select value={values.backend} onChange={(e) => onChange({ ...values, backend: e.currentTarget.value })}>
          <option value="">All</option>
          {backends.map((b) => (
            <option key={b} value={b}>{b}</option>
          ))}
        </select>
      </label>
      <label>
        Run
        <select value={values.run} onChange={(e) => onChange({ ...values, run: e.currentTarget.value })}>
          <option value="">All</option>
          {values.run && !runs.some((r) => r.run.run_id === values.run) && <option value={values.run}>{values.run}</option>}
          {runs.map(({ run }) => (
            <option key={run.run_id} value={run.run_id}>
              {run.label ?? run.pack_name} · {formatTime(run.created_at)}
            </option>
          ))}
        </select>
      </label>
      <label className="task-filters__search">
        Search prompts
        <input ref={searchRef} type="search" value={search} onChange={(e) => onSearch(e.currentTarget.value)} placeholder="Text in the prompt  ( / )" aria-keyshortcuts="/" maxLength={200} />
      </label>
      <button type="button" className="primary" onClick={onNewTask} aria-keyshortcuts="n">
        New task
      </button>
    </div>
  );
});
