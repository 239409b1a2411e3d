/**
 * Sends a run read from an export folder to a hub: in one `run_import` when that fits the hub's
 * request line, else in pieces that each fit (run_import_begin, run_import_tasks, run_import_text for
 * texts too long for one line, run_import_commit). The hub imports the whole run at the commit, so a
 * broken-off import leaves nothing behind.
 */
import { DEFAULT_MAX_LINE_BYTES } from '../config.js';
import { HubError, errorMessage } from '../errors.js';
import { formatBytes } from '../read-bounded.js';
import type { HubClient } from '../wire/client.js';
import type { HubResult } from '../wire/contract.js';
import type { ImportTextField } from '../runs/import-staging.js';
import type { RunRecord, RunTask } from '../runs/types.js';

export type ImportResult = HubResult<'run_import'>;

interface Slice {
  field: ImportTextField;
  text: string;
}

/** Bytes of the request line the client writes for this call (the largest id it could use). */
function requestBytes(method: string, params: unknown): number {
  return Buffer.byteLength(JSON.stringify({ id: Number.MAX_SAFE_INTEGER, method, params })) + 1;
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/** The task with its long texts emptied (sent after it in slices), and those texts. */
function withoutTexts(task: RunTask): { head: RunTask; texts: Slice[] } {
  const texts: Slice[] = [];
  const take = (field: ImportTextField, value: string | null): string | null => {
    if (value === null || value === '') return value;
    texts.push({ field, text: value });
    return '';
  };
  const head: RunTask = { ...task, prompt: take('prompt', task.prompt) ?? '', result: take('result', task.result), error: take('error', task.error) };
  if (task.artifact) head.artifact = { ...task.artifact, stdout: take('stdout', task.artifact.stdout) ?? '', stderr: take('stderr', task.artifact.stderr) ?? '' };
  return { head, texts };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** `text` cut into pieces whose JSON encoding takes at most `maxBytes`, never inside a surrogate pair. */
export function* textSlices(text: string, maxBytes: number): Generator<string> {
  if (maxBytes < 16) throw new HubError('bad_request', `no room for text in a request line of this hub (${maxBytes} bytes left)`);
  let start = 0;
  while (start < text.length) {
    // Every character takes at least one byte in JSON: maxBytes characters is the most that can fit.
    let end = Math.min(text.length, start + maxBytes);
    for (;;) {
      if (end < text.length && end - start > 1 && isHighSurrogate(text.charCodeAt(end - 1))) end--;
      const size = jsonBytes(text.slice(start, end));
      if (size <= maxBytes) break;
      end = start + Math.max(1, Math.floor(((end - start) * maxBytes) / size) - 1);
    }
    yield text.slice(start, end);
    start = end;
  }
}

interface HubLimits {
  lineBytes: number;
  pieces: boolean;
}

async function hubLimits(client: HubClient): Promise<HubLimits> {
  try {
    const hello = await client.call('hello');
    const extensions = Array.isArray(hello.extensions) ? hello.extensions : [];
    const lineBytes = typeof hello.max_line_bytes === 'number' && hello.max_line_bytes > 0 ? hello.max_line_bytes : DEFAULT_MAX_LINE_BYTES;
    return { lineBytes, pieces: extensions.includes('run_import_pieces') };
  } catch (err) {
    if (err instanceof HubError && err.code === 'unknown_method') return { lineBytes: DEFAULT_MAX_LINE_BYTES, pieces: false };
    throw err;
  }
}

async function sendInPieces(client: HubClient, record: RunRecord, lineBytes: number): Promise<ImportResult> {
  const { import_id: importId } = await client.call('run_import_begin', { run: record.run });
  try {
    // A run_import_tasks line: the request around an empty list, plus each task and a comma.
    const emptyBatch = requestBytes('run_import_tasks', { import_id: importId, tasks: [] });
    let batch: RunTask[] = [];
    let batchBytes = emptyBatch;
    const flush = async () => {
      if (batch.length === 0) return;
      await client.call('run_import_tasks', { import_id: importId, tasks: batch });
      batch = [];
      batchBytes = emptyBatch;
    };
    for (const [index, task] of record.tasks.entries()) {
      const taskBytes = jsonBytes(task) + 1;
      if (batchBytes + taskBytes > lineBytes) await flush();
      if (batchBytes + taskBytes <= lineBytes) {
        batch.push(task);
        batchBytes += taskBytes;
        continue;
      }
      const { head, texts } = withoutTexts(task);
      if (emptyBatch + jsonBytes(head) > lineBytes) {
        throw new HubError('bad_request', `task ${task.task_id} (${task.prompt_id}) is too large for this hub's request line of ${formatBytes(lineBytes)} even without its texts`);
      }
      batch.push(head);
      await flush();
      for (const { field, text } of texts) {
        const room = lineBytes - requestBytes('run_import_text', { import_id: importId, task_index: index, field, text: '' });
        for (const slice of textSlices(text, room)) await client.call('run_import_text', { import_id: importId, task_index: index, field, text: slice });
      }
    }
    await flush();
    return await client.call('run_import_commit', { import_id: importId });
  } catch (err) {
    // The hub drops an abandoned import after a while anyway; this frees its memory at once.
    await client.call('run_import_abort', { import_id: importId }).catch(() => undefined);
    throw err;
  }
}

/** Imports `record` into the hub `client` talks to, in one request or in pieces that fit its line. */
export async function sendRun(client: HubClient, record: RunRecord): Promise<ImportResult> {
  const { lineBytes, pieces } = await hubLimits(client);
  const wholeBytes = requestBytes('run_import', { record });
  if (wholeBytes <= lineBytes) return client.call('run_import', { record });
  if (!pieces) {
    throw new HubError('bad_request', `the run takes ${formatBytes(wholeBytes)} as one request, more than this hub accepts (${formatBytes(lineBytes)}), and the hub cannot take a run in pieces; update it or start it with a larger --max-line-bytes`);
  }
  try {
    return await sendInPieces(client, record, lineBytes);
  } catch (err) {
    if (err instanceof HubError) throw err;
    throw new HubError('internal', `import failed: ${errorMessage(err)}`);
  }
}
