/**
 * One handler per call of the UI contract (core/api.ts), over the open app workspace, and `dispatch`: the
 * single entry both bridges (Electron IPC, browser mode's HTTP) use to check a call's input with
 * the contract's schema and answer with a result or an ApiError in plain words.
 */
import fs from 'node:fs';
import path from 'node:path';
import { API_CALLS, isApiName, type ApiError, type ApiName, type ApiParsedInput, type ApiResult, type PackInfo } from '../api.js';
import { listPrompts, sideBySide } from '../compare/pick.js';
import { HubError } from '../errors.js';
import { readPack, readPackFile } from '../pack.js';
import { runRepeat, specFromSettings } from '../agent/config.js';
import { driverFor } from '../agent/backend.js';
import { listDrivers } from '../../drivers/registry.js';
import { checkLock, lockState } from '../lock/check.js';
import { readLock, writeLock } from '../lock/file.js';
import { recordLock } from '../lock/record.js';
import { adoptCandidate } from '../lock/adopt.js';
import { UpgradeJobs } from './upgrade-jobs.js';
import { renderRunHtml } from '../runs/render-run-html.js';
import { runGridView } from '../runs/grid.js';
import { HUB_VERSION } from '../wire/contract.js';
import { BackendsView, knownBackend } from './backends-view.js';
import { candidateOf, chooseSystemTestBackends, SYSTEM_PACK } from './system-test-start.js';
import { compareDefault, compareHtmlOf, compareRowOf, historyOf } from './compare-default.js';
import { toApiError } from './errors.js';
import { failureHint, waitHint } from './task-hints.js';
import { backendsFolder, createFolderBackend, readPackText, savePack } from './workspace-files.js';
import { DEFAULT_AGENT_CONCURRENCY } from './local-agents.js';
import type { AppWorkspace } from './app-workspace.js';
import { checkWorkspace, workspaceView, type WorkspaceShell } from './workspace-switch.js';
import { normalizeBackendName } from '../../drivers/backend-name.js';

export type Handlers = { [N in ApiName]: (input: ApiParsedInput<N>) => Promise<ApiResult<N>> };

export type DispatchResult<N extends ApiName = ApiName> = { ok: true; result: ApiResult<N> } | { ok: false; error: ApiError };

export type Dispatch = (name: string, rawInput: unknown) => Promise<DispatchResult>;

/** Driver options that name a program the app will run. */
const COMMAND_OPTIONS = new Set(['shell_cmd', 'acp_cmd']);

const PACK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function packFile(app: AppWorkspace, name: string): { name: string; file: string } {
  const base = name.replace(/\.jsonl$/i, '');
  if (!PACK_NAME.test(base) || base.includes('..')) throw new HubError('bad_request', `pack: "${name}" is not a pack name (letters, digits, _ . -)`);
  const file = path.join(app.workspace.packsDir, `${base}.jsonl`);
  if (!fs.existsSync(file)) throw new HubError('not_found', `there is no pack named "${base}" in ${app.workspace.packsDir}`);
  return { name: base, file };
}

function listPacks(app: AppWorkspace): PackInfo[] {
  let names: string[];
  try {
    names = fs.readdirSync(app.workspace.packsDir).filter((n) => n.endsWith('.jsonl')).sort();
  } catch {
    return [];
  }
  return names.map((file) => {
    const full = path.join(app.workspace.packsDir, file);
    let prompts = 0;
    try {
      prompts = readPackFile(full).length;
    } catch {
      // A pack that does not parse is still listed; starting it says what is wrong with it.
    }
    return { name: file.replace(/\.jsonl$/, ''), path: full, prompts };
  });
}

/** Whether a backend can do a system test's edits (echo only answers; an unknown name cannot). */
function editsFiles(name: string): boolean {
  try {
    return driverFor(name).editsFiles !== false;
  } catch {
    return false;
  }
}

/** The coding-agent CLIs installable from npm, offered when nothing can run a system test. */
const INSTALL_HINTS = listDrivers().flatMap((d) => (d.npmPackage ? [{ label: d.name, npm_package: d.npmPackage }] : []));

/** Without a shell (a bare app workspace) the workspace cannot be switched. */
function noShell(): never {
  throw new HubError('bad_request', 'this app cannot switch workspaces');
}

export function createHandlers(app: AppWorkspace, backends = new BackendsView(app), upgrades = new UpgradeJobs(), shell: WorkspaceShell | null = null): Handlers {
  const runGet = (runId: string) => app.call('run_get', { run_id: runId });
  const startPackRun = async (input: ApiParsedInput<'runs.start'>): Promise<ApiResult<'runs.start'>> => {
    const pack = packFile(app, input.pack);
    const { entries, header } = readPack(pack.file);
    if (input.preset === 'system-test' && input.backends.length !== 1) throw new HubError('bad_request', `backends: a system test runs one backend, ${input.backends.length} were chosen`);
    if (input.preset === 'pair-smoke' && input.backends.length !== 2) throw new HubError('bad_request', `backends: a pair smoke test runs two backends, ${input.backends.length} were chosen`);
    const config = app.config();
    const specs = input.backends.map((name) => {
      knownBackend(name);
      return specFromSettings(name, config.backends[name]);
    });
    let locked = null;
    try {
      if (readLock(app.workspace.dir)) locked = await lockState({ workspace: app.workspace.dir, config });
    } catch (err) {
      // A broken lock file must not stop a run: it records no lock state (as `mittelo run` does).
      app.log(`version lock not recorded for this run: ${err instanceof Error ? err.message : String(err)}`);
    }
    return app.startRun({
      packName: pack.name,
      packPath: pack.file,
      entries,
      backends: specs,
      preset: input.preset,
      repeat: runRepeat(input.repeat, header, config, pack.name),
      concurrency: DEFAULT_AGENT_CONCURRENCY,
      lockState: locked,
      specFor: (name) => specFromSettings(name, config.backends[name]),
      ...(input.label ? { label: input.label } : {}),
    });
  };
  return {
    'hub.status': async () => {
      const { online, reconnecting } = app.connection();
      const stats = online ? await app.call('stats').then((r) => r.stats, () => null) : null;
      return {
        online: online && stats !== null,
        reconnecting,
        host: app.address.host,
        port: app.address.port,
        rest_url: app.restUrl,
        version: HUB_VERSION,
        workspace: app.workspace.dir,
        db_path: app.workspace.dbPath,
        stats: stats ?? { queued: 0, leased: 0, done: 0, failed: 0, cancelled: 0 },
      };
    },
    'tasks.rows': async (input) => {
      // 100,000 rows: read in-process when the app runs the hub, not serialised twice over the wire.
      const queue = app.localQueue();
      if (!queue || !app.connection().online) return app.call('list_rows', { ...input });
      const backend = input.backend === undefined ? undefined : normalizeBackendName(input.backend);
      return { rows: queue.rows({ ...input, ...(backend ? { backend } : {}) }), stats: queue.stats() };
    },
    'tasks.get': async ({ task_id }) => {
      const [{ task, earlier_attempts }, { artifact }] = await Promise.all([
        app.call('get', { task_id }),
        app.call('artifact', { task_id }),
      ]);
      const waiting = task.status === 'queued' ? waitHint(task, (await app.call('workers')).workers) : null;
      const detail = { task, artifact, earlier_attempts: earlier_attempts ?? [], waiting, failure_hint: failureHint(task, artifact) };
      if (task.run_id === null || (task.metadata.expect === undefined && task.metadata.workspace_check === undefined)) return detail;
      // A hub from before check results per task answers without them: the detail then shows none.
      const checks = await app.call('run_task_checks', { task_id }).then(
        (answer) => answer.checks,
        () => undefined,
      );
      return checks ? { ...detail, checks } : detail;
    },
    'tasks.enqueue': async (input) => {
      const { task_id } = await app.call('enqueue', { ...input });
      return { task_id };
    },
    'tasks.cancel': async ({ task_id }) => {
      const { task } = await app.call('cancel', { task_id });
      return { task };
    },
    'tasks.retry': (input) => app.call('retry_failed', input.task_id === undefined ? {} : { task_id: input.task_id }),
    'workers.list': () => app.call('workers'),
    'runs.list': (input) => app.call('run_list', { limit: input.limit, ...(input.pack_name ? { pack_name: input.pack_name } : {}) }),
    'runs.get': ({ run_id }) => runGet(run_id),
    'runs.start': (input) => startPackRun(input),
    'runs.startSystemTest': async () => {
      if (!fs.existsSync(path.join(app.workspace.packsDir, `${SYSTEM_PACK}.jsonl`))) {
        throw new HubError('not_found', `this workspace has no example system-test pack (${path.join(app.workspace.packsDir, `${SYSTEM_PACK}.jsonl`)}): copy packs/system.jsonl and packs/system/ from mittelo into it, or open a new workspace, which gets them`);
      }
      // A CLI installed (or logged in to) a moment ago counts now, not when the 30 s cache expires.
      const views = await backends.list({ recheckNotReady: true });
      const latest = await app.call('run_list', { limit: 1, pack_name: SYSTEM_PACK });
      const choice = chooseSystemTestBackends(views.map((v) => candidateOf(v, editsFiles(v.name))), latest.runs[0]?.run.backends ?? null, INSTALL_HINTS);
      if (choice.kind === 'nothing_ready') return { started: false, reason: 'nothing_ready', message: choice.message, candidates: [] };
      if (choice.kind === 'choose') return { started: false, reason: 'choose', message: choice.message, candidates: choice.candidates };
      const run = await startPackRun({ pack: SYSTEM_PACK, backends: choice.backends, preset: choice.backends.length === 1 ? 'system-test' : 'custom' });
      return { started: true, ...run, backends: choice.backends, why: choice.why };
    },
    'runs.baseline': ({ run_id }) => app.call('run_baseline', { run_id }),
    'runs.delete': ({ run_id }) => app.call('run_delete', { run_id }),
    'runs.grid': async ({ run_id }) => runGridView(await runGet(run_id)),
    'runs.exportHtml': async ({ run_id }) => ({ filename: `${run_id.replace(/[^A-Za-z0-9_.-]/g, '_')}.html`, html: renderRunHtml(await runGet(run_id)) }),
    'runs.pick': (input) => app.call('run_pick', { ...input }),
    'runs.prompts': async ({ run_id }) => ({ prompts: listPrompts(await runGet(run_id)) }),
    'runs.sideBySide': async ({ run_id, prompt_id }) => sideBySide(await runGet(run_id), prompt_id),
    'compare.runs': (input) => compareDefault(app, input),
    'compare.row': (input) => compareRowOf(app, input),
    'compare.exportHtml': (input) => compareHtmlOf(app, input),
    'compare.history': (input) => historyOf(app, input),
    'packs.list': async () => ({ packs: listPacks(app) }),
    'packs.read': async ({ name }) => readPackText(app.workspace.packsDir, name),
    'packs.save': async (input) => savePack(app.workspace.packsDir, input),
    'backends.createFolder': async (input) => {
      const created = createFolderBackend(backendsFolder(app.workspace.backendsDir), input);
      backends.invalidate();
      return created;
    },
    'backends.list': async (input) => ({ backends: await backends.list({ recheckNotReady: input.recheck_not_ready === true }) }),
    'backends.configure': async ({ confirm_binary_path, ...input }) => {
      if (typeof input.binary_path === 'string' && input.binary_path.trim() !== '' && confirm_binary_path !== true) {
        throw new HubError(
          'bad_request',
          `binary path: the app will run ${input.binary_path.trim()} for every ${input.name} prompt; confirm it first (send confirm_binary_path: true)`,
        );
      }
      // A command line (shell_cmd, acp_cmd) changes what the app runs just as a CLI path does.
      const command = Object.entries(input.options ?? {}).find(([key, value]) => COMMAND_OPTIONS.has(key) && typeof value === 'string' && value.trim() !== '');
      if (command && confirm_binary_path !== true) {
        throw new HubError('bad_request', `${command[0]}: the app will run \`${command[1]?.trim()}\` for every ${input.name} prompt; confirm it first (send confirm_binary_path: true)`);
      }
      await backends.configure(input);
      return { ok: true };
    },
    'agents.start': async ({ backend, concurrency }) => {
      knownBackend(backend);
      await app.agents.start(specFromSettings(backend, app.config().backends[backend]), concurrency);
      return { ok: true };
    },
    'agents.stop': async ({ backend }) => {
      await app.agents.stop(backend);
      return { ok: true };
    },
    'workspace.current': async () => (shell ? workspaceView(app, shell) : noShell()),
    'workspace.check': async ({ path: given }) => checkWorkspace(given),
    'workspace.pickFolder': async () => {
      if (!shell?.pickFolder) throw new HubError('bad_request', 'browser mode cannot show a folder picker: type the folder’s full path instead');
      return { path: await shell.pickFolder() };
    },
    'workspace.switch': async ({ path: given, confirm_stop_runs }) => (shell ? shell.switchTo(given, confirm_stop_runs === true) : noShell()),
    'lock.check': async () => ({ report: await checkLock({ workspace: app.workspace.dir, config: app.config() }) }),
    'lock.write': async () => {
      const result = await recordLock({ workspace: app.workspace.dir, config: app.config() });
      writeLock(result.lock, app.workspace.dir);
      return result;
    },
    'lock.upgradeCheck.start': async ({ backends: names, to, pack, candidate_path, confirm_candidate_path }) => {
      if (candidate_path !== undefined && confirm_candidate_path !== true) {
        throw new HubError('bad_request', `candidate path: the app will run ${candidate_path} as ${names[0] ?? 'the CLI'}; confirm it first (send confirm_candidate_path: true)`);
      }
      for (const name of names) knownBackend(name);
      const job = upgrades.start({
        workspace: app.workspace.dir,
        backends: names,
        to,
        ...(candidate_path !== undefined ? { candidatePath: candidate_path } : {}),
        pack: typeof pack === 'object' ? { file: packFile(app, pack.name).file } : pack,
        withRuns: (work) => work(app),
        config: app.config(),
      });
      return { job };
    },
    'lock.upgradeCheck.status': async ({ job_id }) => ({ job: upgrades.get(job_id) }),
    'lock.adopt': async ({ job_id, cli }) => {
      const report = upgrades.get(job_id).reports?.find((r) => r.cli === cli);
      if (!report) throw new HubError('not_found', `rehearsal ${job_id} has no finished report for ${cli}`);
      return { ...adoptCandidate(app.workspace.dir, report), install_command: report.install_command };
    },
  };
}

/** Checks `rawInput` against the contract's schema for `name`, runs the handler, never throws. */
export function createDispatch(handlers: Handlers): Dispatch {
  return async (name, rawInput) => {
    if (typeof name !== 'string' || !isApiName(name)) {
      return { ok: false, error: { code: 'unknown_call', message: `The app has no call named ${JSON.stringify(String(name)).slice(0, 80)}.` } };
    }
    const parsed = API_CALLS[name].input.safeParse(rawInput === undefined || rawInput === null ? {} : rawInput);
    if (!parsed.success) return { ok: false, error: toApiError(parsed.error) };
    try {
      const handler = handlers[name] as (input: unknown) => Promise<unknown>;
      return { ok: true, result: (await handler(parsed.data)) as ApiResult<typeof name> };
    } catch (err) {
      return { ok: false, error: toApiError(err) };
    }
  };
}
