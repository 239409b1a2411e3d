/**
 * One backend: whether it can run prompts here (problems in plain words, the full check one click
 * away), its version and where its CLI was found, its settings (CLI path, model, tool policy,
 * concurrency cap) saved with backends.configure, and the app's local agent for it.
 */
import { useEffect, useEffectEvent, useId, useState, type FormEvent } from 'react';
import type { BackendView } from '../../api/types.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { Badge, TechDetail } from '../../components/bits.js';
import { DASH } from '../../lib/format.js';
import { useBackendAction } from '../../api/run-queries.js';
import { TOOL_POLICY_ORDER } from '../../api/types.js';
import { checkSettings, hasOwnCli, OPTION_LABELS, preflightDetail, problemLines, settingsForm, STATUS_INFO, TOOL_POLICY_WORDS, whereFound, type SettingsForm } from './backends-logic.js';

function LocalAgent({ view }: { view: BackendView }) {
  const action = useBackendAction();
  const running = view.local_agent?.running === true;
  const cap = Number(view.settings.concurrency) || 1;
  return (
    <div className="stack">
      <div className="row">
        <span>
          Local agent:{' '}
          {running ? <Badge tone="good">running, {view.local_agent?.concurrency} at once</Badge> : <Badge tone="neutral">stopped</Badge>}
        </span>
        {running ? (
          <button type="button" onClick={() => action.mutate({ kind: 'stop', input: { backend: view.name } })} disabled={action.isPending}>
            Stop agent
          </button>
        ) : (
          <button type="button" onClick={() => action.mutate({ kind: 'start', input: { backend: view.name, concurrency: cap } })} disabled={action.isPending || view.preflight.status === 'fail'}>
            Start agent
          </button>
        )}
      </div>
      {action.error && <ErrorNotice title={running ? 'Could not stop the agent' : 'Could not start the agent'} error={action.error} />}
    </div>
  );
}

export function BackendCard({ view }: { view: BackendView }) {
  const id = useId();
  const info = STATUS_INFO[view.preflight.status];
  const problems = problemLines(view);
  const save = useBackendAction();
  const [form, setForm] = useState<SettingsForm>(() => settingsForm(view));
  const [problem, setProblem] = useState<string | null>(null);
  // Saved settings that change (after a save, or elsewhere) replace the fields.
  const savedKey = JSON.stringify(view.settings);
  const resetForm = useEffectEvent(() => setForm(settingsForm(view)));
  useEffect(() => resetForm(), [savedKey]);
  const edit = (patch: Partial<SettingsForm>) => {
    setProblem(null);
    setForm((f) => ({ ...f, ...patch }));
  };
  const checked = checkSettings(view, form);
  /** A new CLI path waiting for the user's yes: the app will run that program. */
  const [pathToConfirm, setPathToConfirm] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!checked) return;
    if (!checked.ok) return setProblem(checked.error);
    if (typeof checked.input.binary_path === 'string') return setPathToConfirm(checked.input.binary_path);
    // A command line is a program the app will run too: the same question.
    const command = Object.entries(checked.input.options ?? {}).find(([key, value]) => (key === 'shell_cmd' || key === 'acp_cmd') && value);
    if (command?.[1]) return setPathToConfirm(command[1]);
    save.mutate({ kind: 'configure', input: checked.input });
  };
  const confirmPath = () => {
    if (checked?.ok) save.mutate({ kind: 'configure', input: { ...checked.input, confirm_binary_path: true } }, { onSettled: () => setPathToConfirm(null) });
  };

  return (
    <article className="card backend-card stack" aria-labelledby={`${id}-name`} data-testid="backend" data-backend={view.name}>
      <h2 id={`${id}-name`}>
        {view.name} <Badge tone={info.tone}>{info.label}</Badge>
      </h2>
      <p className="muted">{info.summary}</p>
      {problems.length > 0 && (
        <ul>
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <dl className="kv">
        <dt>Version</dt>
        <dd>{view.preflight.version ?? DASH}</dd>
        {/* Only where it is not the backend's own name: an alias (glm), or the CLI actually installed under it (kimi that is Kimi Code). */}
        {view.preflight.driver && view.preflight.driver !== view.name && (
          <>
            <dt>Runs as</dt>
            <dd>{view.preflight.driver}</dd>
          </>
        )}
        <dt>CLI</dt>
        <dd>{whereFound(view)}</dd>
      </dl>
      {hasOwnCli(view) && !view.preflight.binary && <p>Installed somewhere else? Set its path under Settings below.</p>}
      <TechDetail summary="Full check (technical)" text={preflightDetail(view)} />
      <details className="detail">
        <summary>
          Settings: {view.settings.concurrency} at once · {TOOL_POLICY_WORDS[view.settings.tool_policy].toLowerCase()} · {view.settings.model ? `model ${view.settings.model}` : 'default model'}
          {view.settings.binary_path ? ' · CLI path set' : ''}
        </summary>
        <form onSubmit={submit} className="stack" aria-label={`Settings of ${view.name}`} noValidate>
          {view.required_options.map((option) => (
            <label key={option.key}>
              {OPTION_LABELS[option.key] ?? option.key}
              <input
                value={form.options[option.key] ?? ''}
                onChange={(e) => edit({ options: { ...form.options, [option.key]: e.target.value } })}
                placeholder={option.description}
                spellCheck={false}
                aria-describedby={`${id}-${option.key}-help`}
              />
              <span className="muted" id={`${id}-${option.key}-help`}>
                Needed: {option.description}.
              </span>
            </label>
          ))}
          {hasOwnCli(view) && (
            <label>
              Path to the CLI (empty: search the usual places)
              <input value={form.binary_path} onChange={(e) => edit({ binary_path: e.target.value })} placeholder={view.preflight.binary?.path ?? '/path/to/cli'} spellCheck={false} />
            </label>
          )}
          <div className="row row--end">
            <label>
              Model (empty: the CLI’s default)
              <input value={form.model} onChange={(e) => edit({ model: e.target.value })} spellCheck={false} />
            </label>
            <label>
              Tools it may use
              <select value={form.tool_policy} onChange={(e) => edit({ tool_policy: TOOL_POLICY_ORDER.find((p) => p === e.target.value) ?? form.tool_policy })}>
                {TOOL_POLICY_ORDER.map((p) => (
                  <option key={p} value={p}>
                    {TOOL_POLICY_WORDS[p]}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Prompts at once (1–64)
              <input type="number" min={1} max={64} value={form.concurrency} onChange={(e) => edit({ concurrency: e.target.value })} style={{ width: '6rem' }} aria-invalid={problem !== null} />
            </label>
            <button type="submit" className="primary" disabled={!checked || save.isPending}>
              {save.isPending ? 'Saving…' : 'Save settings'}
            </button>
          </div>
          {problem && (
            <p className="field-error" role="alert">
              {problem}
            </p>
          )}
          {save.error && <ErrorNotice title="The settings were not saved" error={save.error} />}
          {save.isSuccess && !checked && <p className="muted" role="status">Saved.</p>}
        </form>
      </details>
      <LocalAgent view={view} />
      <ConfirmDialog
        open={pathToConfirm !== null}
        title={`Run this program for ${view.name}?`}
        confirmLabel="Use this program"
        danger
        busy={save.isPending}
        onCancel={() => setPathToConfirm(null)}
        onConfirm={confirmPath}
      >
        <p>
          <code>{pathToConfirm}</code>
        </p>
        <p>Mittelo will start this program, as you, for every {view.name} prompt, with the prompt and the settings of this backend. Use it only if you know what it is.</p>
      </ConfirmDialog>
    </article>
  );
}
