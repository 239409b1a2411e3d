/**
 * The workspace's packs, each opened in an editor (JSONL: one prompt per line), and a new pack
 * made from a template. The whole pack is checked before it is saved; a bad line is named.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { call } from '../../api/client.js';
import { packKeys } from '../../api/keys.js';
import { FormDialog } from '../../components/FormDialog.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { usePacks } from '../../api/run-queries.js';

const TEMPLATE = `{"id": "say-ok", "prompt": "Reply with exactly OK.", "expect": {"contains": "OK"}}
{"id": "add", "prompt": "What is 17 + 25? Answer with the number only.", "expect": {"contains": "42"}}
`;

interface Editing {
  name: string;
  text: string;
  create: boolean;
}

export function Packs() {
  const packs = usePacks();
  const qc = useQueryClient();
  const [editing, setEditing] = useState<Editing | null>(null);
  const open = useMutation({ mutationFn: (name: string) => call('packs.read', { name }), onSuccess: (pack) => setEditing({ ...pack, create: false }) });
  const save = useMutation({
    mutationFn: (input: Editing) => call('packs.save', input),
    onSuccess: () => {
      setEditing(null);
      return qc.invalidateQueries({ queryKey: packKeys.all });
    },
  });
  const close = () => {
    setEditing(null);
    save.reset();
  };
  return (
    <>
      <div className="row">
        {packs.data?.packs.map((p) => (
          <button key={p.name} type="button" onClick={() => open.mutate(p.name)} title={p.path}>
            Edit {p.name} ({p.prompts})
          </button>
        ))}
        <button type="button" onClick={() => setEditing({ name: '', text: TEMPLATE, create: true })}>
          New pack…
        </button>
      </div>
      {open.error && <ErrorNotice title="Could not open the pack" error={open.error} />}
      <FormDialog
        open={editing !== null}
        title={editing?.create ? 'New pack' : `Edit pack ${editing?.name ?? ''}`}
        submitLabel="Save pack"
        busy={save.isPending}
        error={save.error}
        errorTitle="The pack was not saved"
        onSubmit={() => editing && save.mutate(editing)}
        onClose={close}
      >
        <label>
          Name (letters, digits, _ . -)
          <input value={editing?.name ?? ''} disabled={!editing?.create} onChange={(e) => editing && setEditing({ ...editing, name: e.target.value.trim() })} spellCheck={false} />
        </label>
        <label>
          Prompts, one JSON object per line
          <textarea value={editing?.text ?? ''} onChange={(e) => editing && setEditing({ ...editing, text: e.target.value })} rows={14} spellCheck={false} className="code-input" />
        </label>
        <p className="muted">
          Each line: <code>prompt</code> (required), <code>id</code> (pairs the prompt across runs), <code>expect</code> checks such as <code>{'{"contains": "OK"}'}</code>. Lines
          starting with <code>//</code> are skipped.
        </p>
      </FormDialog>
    </>
  );
}
