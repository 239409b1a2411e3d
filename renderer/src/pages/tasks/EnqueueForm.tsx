/**
 * The enqueue form, in a dialog: prompt, backend, priority. Checked with the contract's own schema
 * (core/api.ts) before sending, so the messages match what the bridge would say. Loaded on first
 * use: zod stays out of the Tasks page's first paint.
 */
import { useMutation } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { call } from '../../api/client.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { validateEnqueue, type EnqueueField as Field } from './enqueue-validation.js';

export interface EnqueueFormProps {
  backends: readonly string[];
  onDone: (taskId: number) => void;
  onClose: () => void;
}

export default function EnqueueForm({ backends, onDone, onClose }: EnqueueFormProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const listId = useId();
  const [values, setValues] = useState<Record<Field, string>>({ prompt: '', backend: '', priority: '0' });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const enqueue = useMutation({
    mutationFn: (input: { prompt: string; backend?: string; priority?: number }) => call('tasks.enqueue', input),
    onSuccess: (result) => onDone(result.task_id),
  });
  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = validateEnqueue(values);
    if ('errors' in checked) {
      setErrors(checked.errors);
      const first = (['prompt', 'backend', 'priority'] as const).find((f) => checked.errors[f]);
      if (first) document.getElementById(`enqueue-${first}`)?.focus();
      return;
    }
    setErrors({});
    enqueue.mutate(checked.input);
  };
  const field = (name: Field) => ({
    id: `enqueue-${name}`,
    value: values[name],
    'aria-invalid': errors[name] ? true : undefined,
    'aria-describedby': errors[name] ? `enqueue-${name}-error` : undefined,
    onChange: (e: { currentTarget: { value: string } }) => setValues({ ...values, [name]: e.currentTarget.value }),
  });
  const message = (name: Field) => errors[name] && <span className="field-error" id={`enqueue-${name}-error`}>{errors[name]}</span>;

  return (
    <dialog ref={dialog} className="dialog dialog--wide" aria-labelledby="enqueue-title" onClose={onClose}>
      <form onSubmit={submit} noValidate className="enqueue-form">
        <h2 id="enqueue-title">New task</h2>
        <label>
          Prompt
          <textarea {...field('prompt')} rows={6} autoFocus placeholder="What should the agent do?" />
          {message('prompt')}
        </label>
        <div className="enqueue-form__row">
          <label>
            Backend <span className="muted">(empty: any agent)</span>
            <input {...field('backend')} list={listId} autoComplete="off" placeholder="e.g. claude_code" />
            <datalist id={listId}>
              {backends.map((b) => <option key={b} value={b} />)}
            </datalist>
            {message('backend')}
          </label>
          <label>
            Priority <span className="muted">(higher runs first)</span>
            <input {...field('priority')} inputMode="numeric" />
            {message('priority')}
          </label>
        </div>
        {enqueue.error && <ErrorNotice title="The task was not queued" error={enqueue.error} />}
        <div className="dialog__actions">
          <button type="button" onClick={() => dialog.current?.close()}>Close</button>
          <button type="submit" className="primary" disabled={enqueue.isPending}>{enqueue.isPending ? 'Queueing…' : 'Queue task'}</button>
        </div>
      </form>
    </dialog>
  );
}
