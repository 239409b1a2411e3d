/**
 * The tasks table: virtualized (only the rows on screen exist in the DOM), so 100,000 rows scroll
 * as smoothly as 100. An ARIA grid: the container holds the focus, the arrow keys move the
 * selection, Enter opens the details.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useRef, type KeyboardEvent } from 'react';
import { findRow } from '../../api/rows-cache.js';
import type { TaskRow } from '../../api/types.js';
import { StatusBadge } from '../../components/StatusBadge.js';

export const ROW_HEIGHT = 32;

export interface TaskTableProps {
  rows: readonly TaskRow[];
  selectedId: number | null;
  onSelect: (taskId: number) => void;
  onOpen: (taskId: number) => void;
  label: string;
  /** Run labels by run id: the Run column shows a run's label when it has one. */
  runLabels?: ReadonlyMap<string, string | null>;
}

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const day = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const startOfToday = () => new Date().setHours(0, 0, 0, 0);

/** Today's tasks by the clock, older ones by the day: the column stays narrow. */
function created(seconds: number, today: number): string {
  const ms = seconds * 1000;
  return ms >= today ? clock.format(ms) : day.format(ms);
}

const Row = memo(function Row({ row, runLabel, index, selected, top, today, onSelect, onOpen }: {
  row: TaskRow;
  runLabel: string | null;
  today: number;
  index: number;
  selected: boolean;
  top: number;
  onSelect: (taskId: number) => void;
  onOpen: (taskId: number) => void;
}) {
  return (
    <div
      role="row"
      id={`task-row-${row.task_id}`}
      aria-rowindex={index + 2}
      aria-selected={selected}
      className={`task-row${selected ? ' task-row--selected' : ''}`}
      style={{ transform: `translateY(${top}px)` }}
      onClick={() => onSelect(row.task_id)}
      onDoubleClick={() => onOpen(row.task_id)}
    >
      <span role="gridcell" className="num">{row.task_id}</span>
      <span role="gridcell"><StatusBadge status={row.status} /></span>
      <span role="gridcell" className="ellipsis">{row.backend ?? <span className="muted">any</span>}</span>
      <span role="gridcell" className="ellipsis" title={row.run_id ?? undefined}>{runLabel ?? row.run_id ?? ''}</span>
      <span role="gridcell" className="num">{row.priority}</span>
      <span role="gridcell" className="ellipsis">{created(row.created_at, today)}</span>
      <span role="gridcell" className="ellipsis" title={row.prompt_preview}>{row.prompt_preview}</span>
    </div>
  );
});

export function TaskTable({ rows, selectedId, onSelect, onOpen, label, runLabels }: TaskTableProps) {
  const scroller = useRef<HTMLDivElement>(null);
  // Stable handlers, so a selection change re-renders two memoized rows, not every visible one.
  const handlers = useRef({ onSelect, onOpen });
  handlers.current = { onSelect, onOpen };
  const select = useCallback((taskId: number) => handlers.current.onSelect(taskId), []);
  const open = useCallback((taskId: number) => handlers.current.onOpen(taskId), []);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (index) => rows[index]?.task_id ?? index,
  });
  const today = startOfToday();
  const lookup = selectedId === null ? null : findRow(rows, selectedId);
  const selectedIndex = lookup?.found ? lookup.index : -1;

  // Bring the selected row into view when the selection changes (keyboard, deep link, a new task)
  // or the rows first arrive; not when events shift it, which would yank the view while reading.
  const hasRows = rows.length > 0;
  const indexRef = useRef(selectedIndex);
  indexRef.current = selectedIndex;
  useEffect(() => {
    if (indexRef.current >= 0) virtualizer.scrollToIndex(indexRef.current, { align: 'auto' });
  }, [selectedId, hasRows, virtualizer]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (rows.length === 0) return;
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT) - 1);
    const from = selectedIndex;
    const moves: Record<string, number> = {
      ArrowDown: from + 1,
      ArrowUp: from - 1,
      PageDown: from + page,
      PageUp: from - page,
      Home: 0,
      End: rows.length - 1,
    };
    if (event.key === 'Enter' && selectedId !== null) {
      event.preventDefault();
      onOpen(selectedId);
      return;
    }
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const next = rows[Math.min(rows.length - 1, Math.max(0, from < 0 ? 0 : target))];
    if (next) onSelect(next.task_id);
  };

  return (
    <div
      ref={scroller}
      className="task-table"
      role="grid"
      aria-label={label}
      aria-rowcount={rows.length + 1}
      aria-colcount={7}
      aria-activedescendant={selectedIndex >= 0 ? `task-row-${selectedId}` : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-testid="task-table"
    >
      <div role="row" aria-rowindex={1} className="task-row task-row--head">
        {['ID', 'Status', 'Backend', 'Run', 'Priority', 'Created', 'Prompt'].map((title) => (
          <span role="columnheader" key={title}>{title}</span>
        ))}
      </div>
      <div className="task-table__body" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = rows[item.index];
          return row ? (
            <Row key={item.key} row={row} runLabel={row.run_id === null ? null : (runLabels?.get(row.run_id) ?? null)} index={item.index} top={item.start} today={today} selected={row.task_id === selectedId} onSelect={select} onOpen={open} />
          ) : null;
        })}
      </div>
    </div>
  );
}
