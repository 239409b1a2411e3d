/**
 * A run as a shareable folder: `run.json` (the run and its task list), one folder per task with
 * `answer.txt`, `stdout.txt`, `stderr.txt` and `meta.json`, and a readable `summary.md`. Importing
 * the folder gives back the same RunRecord, so a run from another machine can be compared here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HubError, errorMessage } from '../errors.js';
import type { Artifact } from '../queue/artifact.js';
import { rollups } from './rollup.js';
import type { RunRecord, RunTask } from './types.js';

const FORMAT = 'mittelo-run-export/1';

function taskFolder(task: RunTask): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 60);
  return `${String(task.task_id).padStart(6, '0')}-${safe(task.backend)}-${safe(task.prompt_id)}-r${task.repeat_index}`;
}

export function exportRun(record: RunRecord, dir: string): { files: number } {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw new HubError('bad_request', `${dir} exists and is not empty; choose a new folder`);
  fs.mkdirSync(path.join(dir, 'tasks'), { recursive: true });
  let files = 0;
  const write = (file: string, text: string) => {
    fs.writeFileSync(file, text);
    files++;
  };
  const index = record.tasks.map((task) => {
    const folder = taskFolder(task);
    const taskDir = path.join(dir, 'tasks', folder);
    fs.mkdirSync(taskDir);
    const { stdout = '', stderr = '', ...artifactMeta } = task.artifact ?? ({} as Partial<Artifact>);
    write(path.join(taskDir, 'answer.txt'), task.result ?? '');
    write(path.join(taskDir, 'stdout.txt'), stdout);
    write(path.join(taskDir, 'stderr.txt'), stderr);
    const { result: _result, artifact: _artifact, ...taskMeta } = task;
    // answer.txt cannot tell "no result" from an empty one; has_result keeps the difference.
    write(path.join(taskDir, 'meta.json'), `${JSON.stringify({ ...taskMeta, has_result: task.result !== null, artifact: task.artifact ? artifactMeta : null }, null, 2)}\n`);
    return { task_id: task.task_id, folder };
  });
  write(path.join(dir, 'run.json'), `${JSON.stringify({ format: FORMAT, run: record.run, tasks: index }, null, 2)}\n`);
  write(path.join(dir, 'summary.md'), summaryMarkdown(record));
  return { files };
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new HubError('bad_request', `cannot read ${file}: ${errorMessage(err)}`);
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readText(file));
  } catch (err) {
    if (err instanceof HubError) throw err;
    throw new HubError('bad_request', `${file} is not valid JSON: ${errorMessage(err)}`);
  }
}

/** Reads an exported folder back; the hub validates the record again on import. */
export function readExport(dir: string): RunRecord {
  const index = readJson(path.join(dir, 'run.json')) as { format?: unknown; run?: RunRecord['run']; tasks?: { task_id: number; folder: string }[] };
  if (index.format !== FORMAT || !index.run || !Array.isArray(index.tasks)) {
    throw new HubError('bad_request', `${dir} is not a mittelo run export (run.json has no "format": "${FORMAT}")`);
  }
  const tasks = index.tasks.map(({ folder }) => {
    if (typeof folder !== 'string' || folder.includes('/') || folder.includes('..')) throw new HubError('bad_request', `run.json names a bad task folder: ${String(folder)}`);
    const taskDir = path.join(dir, 'tasks', folder);
    const { has_result: hasResult, ...meta } = readJson(path.join(taskDir, 'meta.json')) as Omit<RunTask, 'result' | 'artifact'> & {
      has_result?: boolean;
      artifact: Omit<Artifact, 'stdout' | 'stderr'> | null;
    };
    const answer = readText(path.join(taskDir, 'answer.txt'));
    const artifact: Artifact | null = meta.artifact
      ? { ...meta.artifact, stdout: readText(path.join(taskDir, 'stdout.txt')), stderr: readText(path.join(taskDir, 'stderr.txt')) }
      : null;
    // Exports written before has_result existed: an empty answer of an unfinished task was none.
    const result = hasResult === false || (hasResult === undefined && answer === '' && meta.status !== 'done') ? null : answer;
    return { ...meta, result, artifact };
  });
  return { run: index.run, tasks };
}

function cell(value: number | null, digits = 0): string {
  return value === null ? '–' : value.toFixed(digits);
}

export function summaryMarkdown(record: RunRecord): string {
  const { run } = record;
  const lines = [
    `# Run ${run.run_id}${run.label ? ` (${run.label})` : ''}`,
    '',
    `Pack **${run.pack_name}**, preset ${run.preset}, backends ${run.backends.join(', ')}, repeat ${run.repeat}, on ${run.host}, started ${new Date(run.created_at * 1000).toISOString()}.`,
    '',
    '| backend | tasks | done | failed | checks failed | p50 ms | p95 ms | tokens in | tokens out | cost USD |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rollups(record.tasks, run.backends)) {
    lines.push(
      `| ${r.backend ?? '**all**'} | ${r.total} | ${r.done} | ${r.failed} | ${r.check_failures} | ${cell(r.latency_ms.p50)} | ${cell(r.latency_ms.p95)} | ${cell(r.input_tokens)} | ${cell(r.output_tokens)} | ${cell(r.cost_usd, 4)} |`,
    );
  }
  if (run.lock_state) {
    lines.push('', '## Version lock at run time', '', '| CLI | locked | installed | status |', '|---|---|---|---|');
    for (const e of run.lock_state) lines.push(`| ${e.cli} | ${e.locked_version ?? '–'} | ${e.installed_version ?? '–'} | ${e.status} |`);
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
