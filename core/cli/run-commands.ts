/** `mittelo run` and `mittelo runs ...`: run packs on backends, list, show, export, import, prune, baseline, pick. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { TOOL_POLICIES, type ToolPolicy } from '../../drivers/types.js';
import { loadWorkspaceConfig, runRepeat, specFromSettings, type WorkspaceConfig } from '../agent/config.js';
import type { BackendSpec } from '../agent/backend.js';
import { formatCost, formatMs, formatPlain } from '../display.js';
import { HubError } from '../errors.js';
import { readPack, type PackEntry } from '../pack.js';
import { removeRunWorkdirs, workdirsBase } from '../agent/workdirs.js';
import { exportRun, readExport } from '../runs/export.js';
import { sendRun } from '../session/import-client.js';
import { runPack } from '../session/run-pack.js';
import { formatSeconds, ProgressPrinter, RunProgress } from '../session/progress.js';
import { checkInWords } from '../runs/expect.js';
import { rollups } from '../runs/rollup.js';
import { RUN_PRESETS, type RunInfo, type RunPreset, type RunRollup } from '../runs/types.js';
import { lockState } from '../lock/check.js';
import { compareWithBaseline, withGateOptions, type GateFlags } from './compare-command.js';
import type { PackHeader } from '../pack-header.js';
import { listPrompts, sideBySide } from '../compare/pick.js';
import { printable } from '../compare/format.js';
import { collect, parseInteger, print, withClientOptions, withHubOrDatabase, withLocalDbOptions, type ClientFlags, type LocalDbFlags } from './options.js';
import { clientAddress } from '../session/hub-address.js';

interface RunFlags extends ClientFlags, GateFlags {
  pack?: string;
  prompt?: string;
  backend: string[];
  label?: string;
  repeat?: number;
  concurrency: number;
  preset?: RunPreset;
  againstBaseline?: boolean;
  embedded: boolean;
  config?: string;
  model?: string;
  toolPolicy?: ToolPolicy;
  timeout?: number;
  db?: string;
}

const DEFAULT_SMOKE_PACK = path.join('packs', 'smoke.jsonl');

/**
 * The smoke pack: the workspace's own packs/smoke.jsonl, else the one that comes with mittelo
 * (found upwards from this module, which sits in core/cli or dist/core/cli of the checkout).
 */
function smokePack(): string {
  if (fs.existsSync(DEFAULT_SMOKE_PACK)) return DEFAULT_SMOKE_PACK;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, DEFAULT_SMOKE_PACK);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return DEFAULT_SMOKE_PACK; // not found: reading it names the path
  }
}

function resolvePack(flags: RunFlags): { name: string; path: string | null; entries: PackEntry[]; header: PackHeader } {
  if (flags.pack && flags.prompt) throw new HubError('bad_request', 'give --pack or --prompt, not both');
  if (flags.prompt) return { name: 'prompt', path: null, entries: [{ prompt: flags.prompt, id: 'prompt' }], header: {} };
  const file = flags.pack ?? (flags.preset === 'smoke' || flags.preset === 'pair-smoke' ? smokePack() : undefined);
  if (!file) throw new HubError('bad_request', 'give --pack FILE (a JSONL pack) or --prompt TEXT');
  const { entries, header } = readPack(file);
  return { name: path.basename(file).replace(/\.jsonl$/i, ''), path: path.resolve(file), entries, header };
}

function resolveBackends(flags: RunFlags, preset: RunPreset, config: WorkspaceConfig): BackendSpec[] {
  let names = flags.backend;
  if (names.length === 0 && (preset === 'matrix' || preset === 'smoke')) names = Object.keys(config.backends);
  if (names.length === 0) {
    throw new HubError('bad_request', preset === 'matrix' ? 'the matrix preset runs every backend of mittelo.config.json, and it lists none; add some or give --backend' : 'give at least one --backend');
  }
  if (preset === 'system-test' && names.length !== 1) throw new HubError('bad_request', `the system-test preset runs one backend, got ${names.length}`);
  if (preset === 'pair-smoke' && names.length !== 2) throw new HubError('bad_request', `the pair-smoke preset runs two backends, got ${names.length}`);
  return names.map((name) => {
    const spec = specFromSettings(name, config.backends[name]);
    if (flags.model) spec.model = flags.model;
    if (flags.toolPolicy) spec.toolPolicy = flags.toolPolicy;
    if (flags.timeout !== undefined) spec.timeoutMs = flags.timeout * 1000;
    return spec;
  });
}

export function formatRollups(rows: RunRollup[]): string {
  const header = ['backend', 'tasks', 'done', 'failed', 'checks✗', 'p50 ms', 'p95 ms', 'tok in', 'tok out', 'cost'];
  const body = rows.map((r) => [r.backend ?? 'all', r.total, r.done, r.failed, r.check_failures, formatPlain(r.latency_ms.p50), formatPlain(r.latency_ms.p95), formatPlain(r.input_tokens), formatPlain(r.output_tokens), formatCost(r.cost_usd)].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  return [header, ...body].map((row) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

function describeRun(run: RunInfo): string {
  const when = new Date(run.created_at * 1000).toISOString().replace('T', ' ').slice(0, 19);
  const took = run.finished_at ? formatSeconds(run.finished_at - run.created_at) : 'running';
  return `${run.run_id}  ${when}  pack ${run.pack_name}  ${run.preset}  ${run.backends.join(',')}${run.label ? `  "${run.label}"` : ''}${run.baseline ? '  [baseline]' : ''}  (${took})`;
}


export function registerRunCommands(program: Command): void {
  withGateOptions(withClientOptions(program.command('run')))
    .description('run a pack of prompts on one or more backends as one run; exits non-zero when a task fails')
    .option('--pack <file>', 'JSONL pack: {"prompt", "id"?, "backend"?, "expect"?} per line (64 MiB, 8 MiB a line at most)')
    .option('--prompt <text>', 'a single prompt instead of a pack')
    .option('--backend <name>', 'backend to run on (repeatable)', collect, [])
    .option('--preset <preset>', `${RUN_PRESETS.join(' | ')} (smoke and pair-smoke default to ${DEFAULT_SMOKE_PACK}; matrix runs every configured backend)`)
    .option('--label <label>', 'a note shown with the run')
    .option('--repeat <n>', 'run every prompt this many times (default: the pack header\'s "repeat", else packs.<pack>.repeat of mittelo.config.json, else 1)', parseInteger('--repeat', { min: 1, max: 1000 }))
    .option('--concurrency <n>', 'tasks at once per backend for in-process agents', parseInteger('--concurrency', { min: 1, max: 256 }), 2)
    .option('--against-baseline', 'compare with the baseline run of this pack; exit non-zero on regressions')
    .option('--no-embedded', 'fail instead of starting an in-process hub when none answers')
    .option('--db <file>', 'database for the in-process hub (default .mittelo/mittelo.db)')
    .option('--config <file>', 'per-backend settings (default mittelo.config.json)')
    .option('--model <model>', 'model for every backend')
    .option('--tool-policy <policy>', `${TOOL_POLICIES.join(', ')} (default none)`)
    .option('--timeout <seconds>', 'per-task timeout', parseInteger('--timeout', { min: 1 }))
    .action(async (flags: RunFlags) => {
      if (flags.preset && !RUN_PRESETS.includes(flags.preset)) throw new HubError('bad_request', `--preset must be one of ${RUN_PRESETS.join(', ')}`);
      if (flags.toolPolicy && !TOOL_POLICIES.includes(flags.toolPolicy)) throw new HubError('bad_request', `--tool-policy must be one of ${TOOL_POLICIES.join(', ')}`);
      const preset: RunPreset = flags.preset ?? 'custom';
      const pack = resolvePack(flags);
      // Read before anything is queued: a broken config fails the run here, naming the file and field.
      const config = loadWorkspaceConfig(flags.config);
      const backends = resolveBackends(flags, preset, config);
      const log = (line: string) => process.stderr.write(`mittelo run: ${line}\n`);
      const printer = new ProgressPrinter(process.stderr);
      const interrupted = new AbortController();
      const onSigint = () => {
        if (interrupted.signal.aborted) process.exit(130);
        log('interrupted: cancelling the run (Ctrl-C again to quit at once)');
        interrupted.abort();
      };
      process.on('SIGINT', onSigint);
      const outcome = await runPack({
        signal: interrupted.signal,
        address: clientAddress(flags),
        ...(flags.embedded ? (flags.db ? { embeddedDbPath: flags.db } : {}) : { embeddedDbPath: null }),
        packName: pack.name,
        packPath: pack.path,
        entries: pack.entries,
        backends,
        preset,
        repeat: runRepeat(flags.repeat, pack.header, config, pack.name),
        concurrency: flags.concurrency,
        lockState: await lockState().catch((err: unknown) => {
          // A broken lock file must not stop a run; the run records no lock state and says why.
          log(`version lock not recorded: ${err instanceof Error ? err.message : String(err)}`);
          return null;
        }),
        // Every run of a pack with a baseline is compared with it; only --against-baseline gates on it.
        withBaseline: true,
        specFor: (name) => specFromSettings(name, config.backends[name]),
        log,
        onProgress: flags.json ? undefined : (progress) => printer.draw(progress.render()),
        ...(flags.label ? { label: flags.label } : {}),
      }).catch((err: unknown) => {
        if (!interrupted.signal.aborted) throw err;
        process.exitCode = 130;
        return null;
      });
      process.off('SIGINT', onSigint);
      if (!outcome) return;
      const { record } = outcome;
      if (!flags.json) {
        const final = new RunProgress(record.tasks, record.run.created_at * 1000, (record.run.finished_at ?? Date.now() / 1000) * 1000);
        final.addCheckTasks(record.check_tasks);
        printer.draw(final.render(), true);
      }
      const summary = rollups(record.tasks, record.run.backends);
      const total = summary[0];
      let regressions = false;
      let comparisonText = '';
      if (flags.againstBaseline || outcome.baseline) {
        const compared = compareWithBaseline(record, outcome.baseline, flags);
        regressions = compared.regressions;
        comparisonText = compared.text;
      }
      print(flags, { run: record.run, rollups: summary, regressions }, [describeRun(record.run), formatRollups(summary), comparisonText].filter(Boolean).join('\n\n'));
      const failed = (total?.failed ?? 0) + (total?.cancelled ?? 0) + (total?.check_failures ?? 0);
      if (failed > 0) log(`${failed} task(s) failed or failed their checks; see \`mittelo runs show ${record.run.run_id}\``);
      // Against a baseline the exit code is the gate's: what the baseline already failed is known
      // and does not fail CI again; only regressions do. Without a baseline, any failure does.
      const gated = Boolean(flags.againstBaseline) && outcome.baseline !== null;
      if (gated ? regressions : failed > 0) process.exitCode = 1;
    });

  const runs = program.command('runs').description('list runs and manage them (show, export, import, prune, baseline, pick)');
  withLocalDbOptions(withClientOptions(runs.command('list', { isDefault: true })))
    .description('list runs, newest first')
    .option('--pack <name>', 'only runs of this pack')
    .option('--limit <n>', 'at most this many (0 = all)', parseInteger('--limit'), 20)
    .action(async (flags: ClientFlags & LocalDbFlags & { pack?: string; limit: number }) => {
      const { runs: list } = await withHubOrDatabase(flags, 'runs list', (c) => c.call('run_list', { limit: flags.limit, ...(flags.pack ? { pack_name: flags.pack } : {}) }));
      const lines = list.map(({ run, rollups: r }) => {
        const all = r[0];
        return `${describeRun(run)}\n    ${all ? `${all.done}/${all.total} done, ${all.failed} failed, ${all.check_failures} check failures` : ''}`;
      });
      print(flags, list, lines.join('\n') || 'no runs yet');
    });

  withLocalDbOptions(withClientOptions(runs.command('show')))
    .description('summary of one run: per-backend counts, latency, tokens, cost, failures')
    .argument('<run-id>')
    .action(async (runId: string, flags: ClientFlags & LocalDbFlags) => {
      const record = await withHubOrDatabase(flags, 'runs show', (c) => c.call('run_get', { run_id: runId }));
      const summary = rollups(record.tasks, record.run.backends);
      const failures = record.tasks
        .filter((t) => !t.pass)
        .map((t) => `  task ${t.task_id} ${t.backend} ${t.prompt_id}: ${t.status !== 'done' ? (t.error ?? t.status).split('\n')[0] : t.checks.filter((c) => !c.pass).map(checkInWords).join('; ')}`);
      print(flags, { ...record, rollups: summary }, [describeRun(record.run), formatRollups(summary), failures.length ? `failures:\n${failures.join('\n')}` : 'no failures'].join('\n\n'));
    });

  withLocalDbOptions(withClientOptions(runs.command('answers')))
    .description('one prompt of a run, its answers on every backend side by side with latency, tokens, cost (then: runs pick)')
    .argument('<run-id>')
    .option('--prompt <prompt-id>', 'the prompt (default: list the prompts of the run)')
    .action(async (runId: string, flags: ClientFlags & LocalDbFlags & { prompt?: string }) => {
      const record = await withHubOrDatabase(flags, 'runs answers', (c) => c.call('run_get', { run_id: runId }));
      if (!flags.prompt) {
        const prompts = listPrompts(record);
        print(flags, prompts, prompts.map((p) => `${p.prompt_id}  (${p.tasks} answers${p.picked_task_id ? `, picked task ${p.picked_task_id}` : ''})  ${p.prompt.split('\n')[0]?.slice(0, 80) ?? ''}`).join('\n'));
        return;
      }
      const view = sideBySide(record, flags.prompt);
      if (!view) throw new HubError('not_found', `run ${runId} has no prompt ${flags.prompt}; see \`mittelo runs answers ${runId}\``);
      const blocks = view.candidates.map((c) => {
        const marks = [c.picked ? 'PICKED' : '', c.task_id === view.fastest_task_id ? 'fastest' : '', c.task_id === view.cheapest_task_id ? 'cheapest' : ''].filter(Boolean).join(', ');
        const head = `── task ${c.task_id} · ${c.backend}${c.repeat_index ? ` #${c.repeat_index}` : ''} · ${c.ok ? 'ok' : c.status} · ${formatMs(c.latency_ms)} · tokens ${formatPlain(c.input_tokens)}/${formatPlain(c.output_tokens)} · ${formatCost(c.cost_usd)}${c.cli_version ? ` · v${c.cli_version}` : ''}${marks ? ` · ${marks}` : ''}`;
        // Answers are untrusted: control characters are shown escaped, never sent to the terminal.
        return `${head}\n${printable(c.answer ?? c.error ?? '', true)}`;
      });
      print(flags, view, [`prompt ${view.prompt_id}: ${view.prompt}`, ...blocks].join('\n\n'));
    });

  withLocalDbOptions(withClientOptions(runs.command('export')))
    .description('write a run to a folder (run.json, one folder per task, summary.md) to share it')
    .argument('<run-id>')
    .argument('<dir>')
    .action(async (runId: string, dir: string, flags: ClientFlags & LocalDbFlags) => {
      const record = await withHubOrDatabase(flags, 'runs export', (c) => c.call('run_get', { run_id: runId }));
      const { files } = exportRun(record, dir);
      print(flags, { run_id: runId, dir: path.resolve(dir), files }, `exported run ${runId} to ${dir} (${files} files)`);
    });

  withLocalDbOptions(withClientOptions(runs.command('import')))
    .description('read an exported run folder into this hub (to compare with local runs); plain files only, 256 MiB at most')
    .argument('<dir>')
    .action(async (dir: string, flags: ClientFlags & LocalDbFlags) => {
      if (!fs.existsSync(dir)) throw new HubError('bad_request', `${dir} does not exist`);
      const record = readExport(dir);
      const result = await withHubOrDatabase(flags, 'runs import', (c) => sendRun(c, record), { createDatabase: true });
      print(flags, result, `imported run ${result.run_id} (${result.tasks} ${result.tasks === 1 ? 'task' : 'tasks'})`);
    });

  withLocalDbOptions(withClientOptions(runs.command('prune')))
    .description('delete old runs and their tasks, keeping the newest N (baselines are always kept)')
    .requiredOption('--keep <n>', 'runs to keep', parseInteger('--keep', { min: 0 }))
    .action(async (flags: ClientFlags & LocalDbFlags & { keep: number }) => {
      const result = await withHubOrDatabase(flags, 'runs prune', (c) => c.call('run_prune', { keep: flags.keep }));
      // System-test workdirs this machine kept for the deleted runs go with them.
      await removeRunWorkdirs(workdirsBase(), result.deleted);
      const lines = [result.deleted.length ? `deleted ${result.deleted.length} run(s): ${result.deleted.join(', ')}` : 'nothing to delete'];
      if (result.kept_in_progress.length) lines.push(`kept ${result.kept_in_progress.length} run(s) still in progress: ${result.kept_in_progress.join(', ')}`);
      print(flags, result, lines.join('\n'));
    });

  withLocalDbOptions(withClientOptions(runs.command('baseline')))
    .description("mark a run as its pack's baseline: later runs of the pack are compared with it")
    .argument('<run-id>')
    .action(async (runId: string, flags: ClientFlags & LocalDbFlags) => {
      const result = await withHubOrDatabase(flags, 'runs baseline', (c) => c.call('run_baseline', { run_id: runId }));
      print(flags, result, `run ${runId} is now the baseline of pack ${result.pack_name}`);
    });

  withLocalDbOptions(withClientOptions(runs.command('pick')))
    .description('mark the best answer of a prompt in a run (compare-and-pick)')
    .argument('<run-id>')
    .requiredOption('--prompt <prompt-id>', 'the prompt id')
    .requiredOption('--task <task-id>', 'the task whose answer is best', parseInteger('--task', { min: 1 }))
    .action(async (runId: string, flags: ClientFlags & LocalDbFlags & { prompt: string; task: number }) => {
      const result = await withHubOrDatabase(flags, 'runs pick', (c) => c.call('run_pick', { run_id: runId, prompt_id: flags.prompt, task_id: flags.task }));
      print(flags, result, `picked task ${flags.task} for prompt ${flags.prompt} in run ${runId}`);
    });
}
