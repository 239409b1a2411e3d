/** Choosing the two runs to compare: A (before) and B (after), or automatic (latest vs previous). */
import type { RunSummary } from '../../api/types.js';
import { formatWhen, runName } from '../../lib/format.js';

export const AUTO = '';

export function runOption(summary: RunSummary): string {
  const { run } = summary;
  return `${runName(run)} · ${run.pack_name} · ${formatWhen(run.created_at)}${run.baseline ? ' · baseline' : ''}`;
}

export interface RunPickerProps {
  runs: RunSummary[];
  a: string;
  b: string;
  onChange: (a: string, b: string) => void;
}

export function RunPicker({ runs, a, b, onChange }: RunPickerProps) {
  return (
    <div className="row row--end" role="group" aria-label="Runs to compare">
      <label>
        Run A (before)
        <select value={a} onChange={(e) => onChange(e.target.value, b)} data-testid="run-a">
          <option value={AUTO}>The run before B (automatic)</option>
          {runs.map((r) => (
            <option key={r.run.run_id} value={r.run.run_id}>
              {runOption(r)}
            </option>
          ))}
        </select>
      </label>
      <label>
        Run B (after)
        <select value={b} onChange={(e) => onChange(a, e.target.value)} data-testid="run-b">
          <option value={AUTO}>The latest run (automatic)</option>
          {runs.map((r) => (
            <option key={r.run.run_id} value={r.run.run_id}>
              {runOption(r)}
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={() => onChange(b, a)} disabled={!a || !b} title="Swap A and B">
        Swap
      </button>
    </div>
  );
}
