/**
 * Check results in words: a task's checks (task detail), and why a run's tasks did not pass
 * (progress, history). Each line carries its meaning in text; the mark and colour only repeat it.
 */
import type { CheckResult, RunFailure } from '../api/types.js';
import { hrefFor } from '../lib/router.js';

function checkText(check: CheckResult): string {
  return check.reason ?? `${check.check}: ${check.detail}`;
}

function mark(check: CheckResult): { symbol: string; word: string; tone: string } {
  if (check.pending) return { symbol: '…', word: 'Checking', tone: 'pending' };
  return check.pass ? { symbol: '✓', word: 'Passed', tone: 'pass' } : { symbol: '✗', word: 'Failed', tone: 'fail' };
}

/** Every check of one task, failures first. */
export function CheckList({ checks }: { checks: CheckResult[] }) {
  const ordered = [...checks].sort((a, b) => Number(a.pass) - Number(b.pass));
  return (
    <ul className="check-list" data-testid="check-list">
      {ordered.map((check, i) => {
        const m = mark(check);
        return (
          <li key={i} className={`check check--${m.tone}`}>
            <span aria-hidden="true" className="check__mark">
              {m.symbol}
            </span>
            <span className="sr-only">{m.word}: </span>
            {checkText(check)}
          </li>
        );
      })}
    </ul>
  );
}

/** "1 of 3 checks failed", or null when every check passed. */
export function checksVerdict(checks: CheckResult[]): string | null {
  const failed = checks.filter((c) => !c.pass && !c.pending).length;
  const pending = checks.filter((c) => c.pending).length;
  if (failed > 0) return `${failed} of ${checks.length} check${checks.length === 1 ? '' : 's'} failed`;
  if (pending > 0) return `${pending} check${pending === 1 ? '' : 's'} still running`;
  return null;
}

/** Why tasks of a run did not pass: prompt and backend, then the reasons, each linked to its task. */
export function FailureList({ failures, total, label }: { failures: RunFailure[]; total: number; label: string }) {
  if (failures.length === 0) return null;
  return (
    <div className="failure-list" data-testid="failure-list">
      <ul aria-label={label}>
        {failures.map((f) => (
          <li key={f.task_id}>
            <a href={hrefFor('/tasks', { task: f.task_id })}>
              <strong>{f.prompt_id}</strong> on {f.backend}
              {f.repeat_index > 0 ? ` (repeat ${f.repeat_index + 1})` : ''}
            </a>
            {': '}
            {f.kind === 'task' ? `the task failed: ${f.reasons.join('; ')}` : f.reasons.join('; ')}
          </li>
        ))}
      </ul>
      {total > failures.length && <p className="muted">…and {total - failures.length} more; Compare shows every answer.</p>}
    </div>
  );
}
