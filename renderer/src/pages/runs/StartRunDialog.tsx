/**
 * "Start smoke run": pick a pack (smoke preselected) and backends (the ready ones preselected),
 * optionally a label and a repeat count, then runs.start. A modal <dialog>: Esc closes it, Tab
 * stays inside, the first field has the focus.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { Badge } from '../common/bits.js';
import { useBackends, usePacks, useStartRun } from '../common/queries.js';
import { STATUS_INFO } from '../backends/backends-logic.js';
import { checkStart, defaultPack, readyBackends, type StartForm } from './runs-logic.js';

export interface StartRunDialogProps {
  open: boolean;
  onClose: () => void;
  onStarted: (runId: string) => void;
}

const EMPTY: StartForm = { pack: '', backends: [], label: '', repeat: '1' };

export function StartRunDialog({ open, onClose, onStarted }: StartRunDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const firstField = useRef<HTMLSelectElement>(null);
  const titleId = useId();
  const packs = usePacks();
  const backends = useBackends();
  const start = useStartRun();
  const [form, setForm] = useState<StartForm>(EMPTY);
  const [problem, setProblem] = useState<string | null>(null);
  const [touched, setTouched] = useState(false);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      firstField.current?.focus();
    } else if (!open && dialog.open) dialog.close();
    if (!open) {
      setTouched(false);
      setProblem(null);
      start.reset();
    }
  }, [open]);

  // Defaults arrive with the data; the user's own choices are never overwritten.
  useEffect(() => {
    if (!open || touched) return;
    setForm((f) => ({
      ...f,
      pack: f.pack || (packs.data ? (defaultPack(packs.data.packs) ?? '') : ''),
      backends: backends.data ? readyBackends(backends.data.backends) : f.backends,
    }));
  }, [open, touched, packs.data, backends.data]);

  const edit = (patch: Partial<StartForm>) => {
    setTouched(true);
    setProblem(null);
    setForm((f) => ({ ...f, ...patch }));
  };

  const toggle = (name: string, on: boolean) => edit({ backends: on ? [...form.backends, name] : form.backends.filter((b) => b !== name) });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = checkStart(form);
    if (!checked.ok) return setProblem(checked.error);
    start.mutate(checked.input, {
      onSuccess: (result) => {
        onStarted(result.run_id);
        onClose();
      },
    });
  };

  return (
    <dialog ref={ref} className="dialog dialog--wide" aria-labelledby={titleId} onCancel={(e) => (e.preventDefault(), onClose())}>
      <form onSubmit={submit} className="stack" noValidate>
        <h2 id={titleId}>Start a smoke run</h2>
        <p className="muted">Runs every prompt of a pack on each chosen backend and records the answers, so you can compare them with earlier runs.</p>
        {packs.error && <ErrorNotice title="Could not list the packs" error={packs.error} onRetry={() => void packs.refetch()} />}
        <label>
          Pack of prompts
          <select ref={firstField} value={form.pack} onChange={(e) => edit({ pack: e.target.value })} disabled={!packs.data}>
            {!packs.data && <option value="">Loading…</option>}
            {packs.data?.packs.length === 0 && <option value="">No packs in the workspace</option>}
            {packs.data?.packs.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name} ({p.prompts} prompt{p.prompts === 1 ? '' : 's'})
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>Backends</legend>
          {backends.isPending && <p className="muted">Checking which backends are ready… (this starts each CLI once)</p>}
          {backends.error && <ErrorNotice title="Could not check the backends" error={backends.error} onRetry={() => void backends.refetch()} />}
          {backends.data?.backends.map((b) => {
            const info = STATUS_INFO[b.preflight.status];
            return (
              <label key={b.name} className="check-row">
                <input type="checkbox" checked={form.backends.includes(b.name)} onChange={(e) => toggle(b.name, e.target.checked)} />
                <span>{b.name}</span>
                <Badge tone={info.tone} title={b.preflight.problems.join('\n') || info.summary}>
                  {info.label}
                </Badge>
              </label>
            );
          })}
        </fieldset>
        <div className="row row--end">
          <label>
            Label (optional)
            <input value={form.label} maxLength={200} placeholder="e.g. after upgrading claude" onChange={(e) => edit({ label: e.target.value })} />
          </label>
          <label>
            Repeat each prompt
            <input type="number" min={1} max={100} value={form.repeat} onChange={(e) => edit({ repeat: e.target.value })} style={{ width: '6rem' }} />
          </label>
        </div>
        {problem && (
          <p className="field-error" role="alert">
            {problem}
          </p>
        )}
        {start.error && <ErrorNotice title="The run did not start" error={start.error} />}
        <div className="dialog__actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={start.isPending}>
            {start.isPending ? 'Starting…' : 'Start run'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
