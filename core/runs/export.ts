/**
 * A run as a shareable folder: `run.json` (the run and its task list), one folder per task with
 * `answer.txt`, `stdout.txt`, `stderr.txt` and `meta.json`, and a readable `summary.md`. Importing
 * the folder gives back the same RunRecord, so a run from another machine can be compared here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DASH, formatCost, formatPlain } from '../display.js';
import { HubError, errorMessage } from '../errors.js';
import { parseJsonInput } from '../json-input.js';
import { MAX_TEXT, type Artifact } from '../queue/artifact.js';
import { formatBytes, readBoundedFile } from '../read-bounded.js';
import { rollups } from './rollup.js';
import type { RunRecord, RunTask } from './types.js';

const FORMAT = 'mittelo-run-export/1';

/**
 * Largest file of an export: the longest text the hub stores in one field (an artifact's stdout,
 * MAX_TEXT characters) at 3 UTF-8 bytes each. Export refuses what import would, so every run that
 * exports imports back.
 */
export const MAX_EXPORT_FILE_BYTES = 3 * MAX_TEXT;
/** A whole export: the most a client reads of one run (its 256 MiB answer limit), so every run that exports fits. */
export const MAX_EXPORT_BYTES = 256 * 1024 * 1024;

function taskFolder(task: RunTask): string {
  // Dots stay (names like `v1.2`), but never two in a row: a folder `..`-anything looks like a path trick.
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/\.{2,}/g, (dots) => '_'.repeat(dots.length)).slice(0, 60);
  return `${String(task.task_id).padStart(6, '0')}-${safe(task.backend)}-${safe(task.prompt_id)}-r${task.repeat_index}`;
}

/** A task folder named in run.json: one plain name inside tasks/, nothing that climbs out of it. */
function isFolderName(folder: unknown): folder is string {
  return typeof folder === 'string' && folder !== '' && folder !== '.' && folder !== '..' && !/[/\\\0]/.test(folder);
}

export function exportRun(record: RunRecord, dir: string): { files: number } {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw new HubError('bad_request', `${dir} exists and is not empty; choose a new folder`);
  const files: { file: string; text: string }[] = [];
  const folders: string[] = [];
  const index = record.tasks.map((task) => {
    const folder = taskFolder(task);
    const taskDir = path.join(dir, 'tasks', folder);
    folders.push(taskDir);
    const { stdout = '', stderr = '', ...artifactMeta } = task.artifact ?? ({} as Partial<Artifact>);
    const { result: _result, artifact: _artifact, ...taskMeta } = task;
    files.push(
      { file: path.join(taskDir, 'answer.txt'), text: task.result ?? '' },
      { file: path.join(taskDir, 'stdout.txt'), text: stdout },
      { file: path.join(taskDir, 'stderr.txt'), text: stderr },
      // answer.txt cannot tell "no result" from an empty one; has_result keeps the difference.
      { file: path.join(taskDir, 'meta.json'), text: `${JSON.stringify({ ...taskMeta, has_result: task.result !== null, artifact: task.artifact ? artifactMeta : null }, null, 2)}\n` },
    );
    return { task_id: task.task_id, folder };
  });
  files.push({ file: path.join(dir, 'run.json'), text: `${JSON.stringify({ format: FORMAT, run: record.run, tasks: index }, null, 2)}\n` });
  // Checked before anything is written: a half-written folder would be worse than none.
  let total = 0;
  for (const { file, text } of files) {
    const bytes = Buffer.byteLength(text);
    total += bytes;
    if (bytes > MAX_EXPORT_FILE_BYTES) throw new HubError('bad_request', `${path.relative(dir, file)} would take ${formatBytes(bytes)}, more than the ${formatBytes(MAX_EXPORT_FILE_BYTES)} a file of an export may have`);
  }
  if (total > MAX_EXPORT_BYTES) throw new HubError('bad_request', `the run would take ${formatBytes(total)}, more than the ${formatBytes(MAX_EXPORT_BYTES)} an export may have`);
  for (const folder of folders) fs.mkdirSync(folder, { recursive: true });
  for (const { file, text } of files) fs.writeFileSync(file, text);
  fs.writeFileSync(path.join(dir, 'summary.md'), summaryMarkdown(record));
  return { files: files.length + 1 };
}

const TASK_FILES = ['meta.json', 'answer.txt', 'stdout.txt', 'stderr.txt'];

/** What one import may read: each file and the whole folder bounded, plain files only. */
class ExportReader {
  private readonly budget = { remaining: MAX_EXPORT_BYTES, limit: MAX_EXPORT_BYTES, what: 'the export' };

  text(file: string): string {
    return readBoundedFile(file, MAX_EXPORT_FILE_BYTES, { what: path.basename(file), plainFileOnly: true, budget: this.budget });
  }

  json(file: string): unknown {
    const text = this.text(file);
    try {
      return parseJsonInput(text, file);
    } catch (err) {
      if (err instanceof HubError) throw err;
      throw new HubError('bad_request', `${file} is not valid JSON: ${errorMessage(err)}`);
    }
  }

  /** Refuses the export when its files (as their sizes say now) add up to more than the limit. */
  checkTotal(files: string[]): void {
    let total = 0;
    for (const file of files) {
      const stat = fs.lstatSync(file, { throwIfNoEntry: false });
      if (stat?.isFile()) total += stat.size;
    }
    if (total > this.budget.limit) throw new HubError('bad_request', `the export is ${formatBytes(total)}, more than the ${formatBytes(this.budget.limit)} an import reads`);
  }

  /** A folder inside the export, which must be a real folder (a link could lead anywhere). */
  folder(folder: string): string {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(folder);
    } catch (err) {
      throw new HubError('bad_request', `cannot read ${folder}: ${errorMessage(err)}`);
    }
    if (stat.isSymbolicLink()) throw new HubError('bad_request', `${folder} is a symbolic link; refusing to follow it`);
    if (!stat.isDirectory()) throw new HubError('bad_request', `${folder} is not a folder`);
    return folder;
  }
}

/** Reads an exported folder back; the hub validates the record again on import. */
export function readExport(dir: string): RunRecord {
  const reader = new ExportReader();
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (err) {
    throw new HubError('bad_request', `cannot read ${dir}: ${errorMessage(err)}`);
  }
  if (!stat.isDirectory()) throw new HubError('bad_request', `${dir} is not a folder; give the folder \`mittelo runs export\` wrote`);
  const index = reader.json(path.join(dir, 'run.json')) as { format?: unknown; run?: RunRecord['run']; tasks?: { task_id: number; folder: string }[] } | null;
  if (index === null || typeof index !== 'object' || index.format !== FORMAT || !index.run || !Array.isArray(index.tasks)) {
    throw new HubError('bad_request', `${dir} is not a mittelo run export (run.json has no "format": "${FORMAT}")`);
  }
  const tasksDir = index.tasks.length > 0 ? reader.folder(path.join(dir, 'tasks')) : path.join(dir, 'tasks');
  const taskDirs = index.tasks.map((entry) => {
    const folder: unknown = entry?.folder;
    if (!isFolderName(folder)) throw new HubError('bad_request', `run.json names a bad task folder: ${JSON.stringify(folder)}`);
    return reader.folder(path.join(tasksDir, folder));
  });
  // Sizes first: an export over the limit is refused before any of it is read.
  reader.checkTotal(taskDirs.flatMap((taskDir) => TASK_FILES.map((name) => path.join(taskDir, name))));
  const tasks = taskDirs.map((taskDir) => {
    const meta = reader.json(path.join(taskDir, 'meta.json'));
    if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) throw new HubError('bad_request', `${path.join(taskDir, 'meta.json')} is not a task's meta (an object)`);
    const { has_result: hasResult, ...fields } = meta as Omit<RunTask, 'result' | 'artifact'> & {
      has_result?: boolean;
      artifact: Omit<Artifact, 'stdout' | 'stderr'> | null;
    };
    const answer = reader.text(path.join(taskDir, 'answer.txt'));
    const artifact: Artifact | null = fields.artifact
      ? { ...fields.artifact, stdout: reader.text(path.join(taskDir, 'stdout.txt')), stderr: reader.text(path.join(taskDir, 'stderr.txt')) }
      : null;
    // Exports written before has_result existed: an empty answer of an unfinished task was none.
    const result = hasResult === false || (hasResult === undefined && answer === '' && fields.status !== 'done') ? null : answer;
    return { ...fields, result, artifact };
  });
  return { run: index.run, tasks };
}

export function summaryMarkdown(record: RunRecord): string {
  const { run } = record;
  const lines = [
    `# Run ${run.run_id}${run.label ? ` (${run.label})` : ''}`,
    '',
    `Pack **${run.pack_name}**, preset ${run.preset}, backends ${run.backends.join(', ')}, repeat ${run.repeat}, on ${run.host}, started ${new Date(run.created_at * 1000).toISOString()}.`,
    '',
    '| backend | tasks | done | failed | checks failed | p50 ms | p95 ms | tokens in | tokens out | cost |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rollups(record.tasks, run.backends)) {
    lines.push(
      `| ${r.backend ?? '**all**'} | ${r.total} | ${r.done} | ${r.failed} | ${r.check_failures} | ${formatPlain(r.latency_ms.p50)} | ${formatPlain(r.latency_ms.p95)} | ${formatPlain(r.input_tokens)} | ${formatPlain(r.output_tokens)} | ${formatCost(r.cost_usd)} |`,
    );
  }
  if (run.lock_state) {
    lines.push('', '## Version lock at run time', '', '| CLI | locked | installed | status |', '|---|---|---|---|');
    for (const e of run.lock_state) lines.push(`| ${e.cli} | ${e.locked_version ?? DASH} | ${e.installed_version ?? DASH} | ${e.status} |`);
  }
  const failures = record.tasks.filter((t) => !t.pass);
  if (failures.length > 0) {
    lines.push('', '## Failures', '');
    for (const t of failures) {
      const why = t.status !== 'done' ? (t.error ?? t.status) : t.checks.filter((c) => !c.pass).map((c) => `${c.check}: ${c.detail}`).join('; ');
      lines.push(`- task ${t.task_id} (${t.backend}, ${t.prompt_id}): ${why.split('\n')[0]}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
