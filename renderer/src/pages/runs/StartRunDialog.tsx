/**
 * "Start smoke run": pick a pack (smoke preselected) and backends (the ready ones preselected),
 * optionally a label and a repeat count, then runs.start. A modal <dialog>: Esc closes it, Tab
 * stays inside, the first field has the focus.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { Badge } from '../../components/bits.js';
import { useBackends, usePacks, useStartRun } from '../../api/run-queries.js';
import { readyFirst, STATUS_INFO } from '../backends/backends-logic.js';
import { checkStart, defaultPack, notReadyChosen, parseRemembered, preselectedBackends, type StartForm } from './runs-logic.js';

export interface StartRunDialogProps {
  open: boolean;
  onClose: () => void;
  onStarted: (runId: string) => void;
  /** A pack chosen when the dialog opens (the "Start system test" button: `system`). */
  pack?: string;
  /** Backends ticked when the dialog opens, instead of those chosen last time (a one-click start that asks). */
  preselect?: string[];
  /** Why the dialog opened, shown above the form (the one-click system test explaining its question). */
  note?: string;
}

const EMPTY: StartForm = { pack: '', backends: [], label: '', repeat: '' };
/** The backends chosen last time (this browser or window): a backend unticked stays unticked. */
const REMEMBERED_KEY = 'mittelo.startRun.backends';

function remembered(): string[] | null {
  try {
    return parseRemembered(window.localStorage.getItem(REMEMBERED_KEY));
  } catch {
    return null;
  }
}

function remember(backends: string[]): void {
  try {
    window.localStorage.setItem(REMEMBERED_KEY, JSON.stringify(backends));
  } catch {
    // Storage may be off (private windows): the dialog then preselects the ready backends.
  }
}

export function StartRunDialog({ open, onClose, onStarted, pack, preselect, note }: StartRunDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const firstField = useRef<HTMLSelectElement>(null);
  const titleId = useId();
  const packs = usePacks();
  // While open, the not-ready backends are checked again: a CLI installed a moment ago is offered.
  const backends = useBackends({ recheckNotReady: open });
  const start = useStartRun();
  const { refetch: refetchPacks } = packs;
  const { reset: resetStart } = start;
  const [form, setForm] = useState<StartForm>(EMPTY);
  const [problem, setProblem] = useState<string | null>(null);
  const [touched, setTouched] = useState(false);
  /** Not-ready backends the user was warned about and chose to run anyway. */
  const [warned, setWarned] = useState<string | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      firstField.current?.focus();
      // A pack added to the folder since the last look is listed without a reload. The backends
      // refetch by themselves at each opening (their query key changes with `open`).
      void refetchPacks();
    } else if (!open && dialog.open) dialog.close();
    if (!open) {
      // The pack is chosen afresh at each opening (a button may open the dialog with its own pack).
      setForm((f) => ({ ...f, pack: '' }));
      setTouched(false);
      setProblem(null);
      setWarned(null);
      resetStart();
    }
  }, [open, refetchPacks, resetStart, preselect]);

  // Defaults arrive with the data; the user's own choices are never overwritten.
  useEffect(() => {
    if (!open || touched) return;
    setForm((f) => ({
      ...f,
      pack: f.pack || (packs.data ? ((pack && packs.data.packs.some((p) => p.name === pack) ? pack : defaultPack(packs.data.packs)) ?? '') : ''),
      backends: backends.data ? (preselect ?? preselectedBackends(backends.data.backends, remembered())) : f.backends,
    }));
  }, [open, touched, packs.data, backends.data, pack, preselect]);

  const edit = (patch: Partial<StartForm>) => {
    setTouched(true);
    setProblem(null);
    setWarned(null);
    setForm((f) => ({ ...f, ...patch }));
  };
  const notReady = notReadyChosen(backends.data?.backends ?? [], form.backends);
  const notReadyKey = notReady.map((b) => b.name).join(',');

  const toggle = (name: string, on: boolean) => edit({ backends: on ? [...form.backends, name] : form.backends.filter((b) => b !== name) });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = checkStart(form);
    if (!checked.ok) return setProblem(checked.error);
    // A backend that cannot run here fails every task: say so once, then run it if asked again.
    if (notReady.length > 0 && warned !== notReadyKey) return setWarned(notReadyKey);
    remember(form.backends);
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
        <h2 id={titleId}>{pack === 'system' ? 'Start a system test' : 'Start a smoke run'}</h2>
        {note && (
          <p className="callout tone-warn" data-testid="start-note">
            {note}
          </p>
        )}
        <p className="muted">Runs every prompt of a pack on each chosen backend and records the answers, so you can compare them with earlier runs.</p>
        {form.pack === 'system' && (
          <p className="muted" data-testid="system-pack-help">
            The system pack copies a small project into each task's own folder, lets the agent edit it, then runs the project's tests there. Choose backends that can edit files (Claude Code, Codex, Gemini…); echo only answers, so its checks fail.
          </p>
        )}
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
          {/* Ready ones first: the not-ready ones, with their reasons, below. */}
          {backends.data && readyFirst(backends.data.backends).map((b) => {
            const info = STATUS_INFO[b.preflight.status];
            const reason = b.preflight.status === 'fail' ? (b.preflight.problems[0] ?? info.summary) : null;
            return (
              <div key={b.name} className="check-item">
                <label className="check-row">
                  <input type="checkbox" checked={form.backends.includes(b.name)} onChange={(e) => toggle(b.name, e.target.checked)} aria-describedby={reason ? `${titleId}-${b.name}-why` : undefined} />
                  <span>{b.name}</span>
                  <Badge tone={info.tone} title={b.preflight.problems.join('\n') || info.summary}>
                    {info.label}
                  </Badge>
                </label>
                {reason && (
                  <p className="check-item__why muted" id={`${titleId}-${b.name}-why`}>
                    {reason}
                  </p>
                )}
              </div>
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
            <input
              type="number"
              min={1}
              max={100}
              value={form.repeat}
              placeholder="pack default"
              title="Blank: the pack header's repeat, else packs.<pack>.repeat of mittelo.config.json, else 1"
              onChange={(e) => edit({ repeat: e.target.value })}
              style={{ width: '8rem' }}
            />
          </label>
        </div>
        {problem && (
          <p className="field-error" role="alert">
            {problem}
          </p>
        )}
        {warned !== null && notReady.length > 0 && (
          <div className="callout tone-warn" role="alert" data-testid="not-ready-warning">
            {notReady.length === 1 ? `${notReady[0]?.name} is not ready here, so its tasks will fail:` : 'These backends are not ready here, so their tasks will fail:'}
            <ul>
              {notReady.map((b) => (
                <li key={b.name}>
                  {b.name}: {b.reason}
                </li>
              ))}
            </ul>
            Untick {notReady.length === 1 ? 'it' : 'them'}, or press “Start anyway” to record the failures.
          </div>
        )}
        {start.error && <ErrorNotice title="The run did not start" error={start.error} />}
        <div className="dialog__actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={start.isPending}>
            {start.isPending ? 'Starting…' : warned !== null && notReady.length > 0 ? 'Start anyway' : 'Start run'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
