/** "New folder backend": a name and a script (prompt on stdin, answer on stdout), written as `<name>/run`. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { call } from '../../api/client.js';
import { backendKeys } from '../../api/keys.js';
import { FormDialog } from '../../components/FormDialog.js';

const TEMPLATE = `#!/bin/sh
# The prompt arrives on standard input; print the answer. Exit non-zero to fail the task.
tr '[:lower:]' '[:upper:]'
`;

export function NewFolderBackend() {
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [script, setScript] = useState(TEMPLATE);
  const create = useMutation({
    mutationFn: () => call('backends.createFolder', { name, script }),
    onSuccess: () => {
      setOpen(false);
      setName('');
      setScript(TEMPLATE);
      return qc.invalidateQueries({ queryKey: backendKeys.all });
    },
  });
  return (
    <>
      <button type="button" onClick={() => (create.reset(), setOpen(true))}>
        New folder backend…
      </button>
      <FormDialog
        open={open}
        title="New folder backend"
        submitLabel="Create backend"
        busy={create.isPending}
        error={create.error}
        errorTitle="The backend was not created"
        onSubmit={() => create.mutate()}
        onClose={() => setOpen(false)}
      >
        <p className="muted">Any program can be a backend: this script gets each prompt on standard input and prints the answer. It is saved as <code>backends/&lt;name&gt;/run</code> in the workspace.</p>
        <label>
          Name (letters, digits, _)
          <input value={name} onChange={(e) => setName(e.target.value.trim())} spellCheck={false} />
        </label>
        <label>
          Script
          <textarea value={script} onChange={(e) => setScript(e.target.value)} rows={8} spellCheck={false} className="code-input" />
        </label>
      </FormDialog>
    </>
  );
}
