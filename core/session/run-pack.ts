/**
 * Running a pack client-side (`mittelo run`, the app, the MCP adapter, upgrade rehearsals): create the
 * run on a hub (connect.ts: an embedded one when none answers and the caller allows it), make sure
 * every backend has an agent (in-process ones where no remote agent serves it), follow progress
 * through the event stream (across hub restarts: follow.ts), and return the finished run's record.
 */
import os from 'node:os';
import path from 'node:path';
import { defaultDbPath, type ClientAddress } from '../config.js';
import { HubError, errorMessage } from '../errors.js';
import type { PackEntry } from '../pack.js';
import { Agent, type ServedBackend } from '../agent/agent.js';
import { servedBackend } from '../agent/served.js';
import { driverFor, preflight, type BackendSpec } from '../agent/backend.js';
import { openSession, type HubSession } from './connect.js';
import { RunFollower } from './follow.js';
import { CheckCommandRunner, packCommands, packWorkspaceChecks } from './check-commands.js';
import type { RunProgress } from './progress.js';
import type { LockEntryState, RunPreset, RunRecord } from '../runs/types.js';
import { normalizeBackendName } from '../../drivers/backend-name.js';

export interface PackRunRequest {
  address: ClientAddress;
  /** Start an in-process hub on this database when nothing answers at `address`. */
  embeddedDbPath?: string | null;
  packName: string;
  packPath: string | null;
  entries: PackEntry[];
  backends: BackendSpec[];
  preset: RunPreset;
  label?: string;
  repeat: number;
  /** In-process agents: tasks at once per backend. */
  concurrency: number;
  lockState: LockEntryState[] | null;
  log: (line: string) => void;
  onProgress?: (progress: RunProgress) => void;
  /** Called once the run and its tasks exist on the hub. */
  onCreated?: (runId: string, taskIds: number[]) => void;
  /** Also fetch the pack's baseline run (before an in-process hub stops). */
  withBaseline?: boolean;
  /** Stops following the run (and its in-process agents, which give their tasks back), e.g. when the app quits. */
  signal?: AbortSignal;
  /** Settings of a backend that is not among the run's (a `judge` check's backend); default: none. */
  specFor?: (name: string) => BackendSpec;
}

/** Backends that `judge` checks of the pack name, as specs, minus those the run has anyway. */
function judgeBackends(request: PackRunRequest, routingName: (name: string) => string): BackendSpec[] {
  const have = new Set(request.backends.map((b) => routingName(b.name)));
  const specs = new Map<string, BackendSpec>();
  for (const entry of request.entries) {
    const name = entry.expect?.judge?.backend;
    if (name === undefined || have.has(routingName(name)) || specs.has(routingName(name))) continue;
    specs.set(routingName(name), request.specFor?.(name) ?? { name });
  }
  return [...specs.values()];
}

export interface PackRunOutcome {
  record: RunRecord;
  embeddedHub: boolean;
  inProcessBackends: string[];
  /** The pack's baseline run when asked for and one exists (and is not this run). */
  baseline: RunRecord | null;
}

/** The hub at `address`, else (unless told not to) one embedded on the workspace database for this run. */
function hubFor(request: PackRunRequest): Promise<HubSession> {
  const embed = request.embeddedDbPath === null
    ? null
    : { dbPath: request.embeddedDbPath ?? defaultDbPath(), create: true, said: (db: string) => `started one in this process on ${db}` };
  return openSession(request.address, embed, request.log);
}

/** A backend ready for an in-process agent: preflight once, then the driver, binary and settings it runs with. */
export async function inProcessBackend(spec: BackendSpec, concurrency: number, log: (line: string) => void): Promise<ServedBackend> {
  const report = await preflight(spec);
  // A backend that fails preflight still runs: its tasks then fail fast with the driver's own
  // classification (not_installed...), which is what a run should record.
  if (report.status !== 'ok') log(`${spec.name}: ${[...report.problems, report.auth.hint].filter(Boolean).join('; ')}`);
  return servedBackend(spec, report, concurrency);
}

export async function runPack(request: PackRunRequest): Promise<PackRunOutcome> {
  const hub = await hubFor(request);
  const agents: Agent[] = [];
  const agentRuns: Promise<unknown>[] = [];
  const routingName = normalizeBackendName;
  const startAgent = async (specs: BackendSpec[]): Promise<void> => {
    const backends = await Promise.all(specs.map((spec) => inProcessBackend(spec, request.concurrency, request.log)));
    const agent = new Agent({
      address: hub.address,
      backends,
      workerId: `${os.hostname()}-run-${process.pid}${agents.length > 0 ? `-${agents.length + 1}` : ''}`,
      leaseSeconds: 60,
      waitSeconds: 2,
      // The workspace checks of the pack this process read, and no other (see core/agent/system-test.ts).
      allowedChecks: packWorkspaceChecks(request.entries),
      log: (line) => request.log(`agent: ${line}`),
    });
    agents.push(agent);
    agentRuns.push(agent.run().catch((err: unknown) => request.log(`in-process agent stopped: ${errorMessage(err)}`)));
  };
  const inProcess = new Set<string>();
  // A backend a remote agent served at the start whose agent went away: taken over here when this
  // machine can run it (its driver is known and its preflight does not fail), so the run ends.
  const takeOver = async (names: string[]): Promise<string[]> => {
    const ready: BackendSpec[] = [];
    for (const name of names) {
      const spec = request.backends.find((b) => routingName(b.name) === name);
      if (!spec || inProcess.has(spec.name)) continue;
      try {
        driverFor(spec.name);
      } catch {
        continue;
      }
      if ((await preflight(spec)).status !== 'fail') ready.push(spec);
    }
    if (ready.length === 0) return [];
    for (const spec of ready) inProcess.add(spec.name);
    await startAgent(ready);
    return ready.map((spec) => routingName(spec.name));
  };
  const follower = new RunFollower(hub.address, { log: request.log, takeOver, ...(request.onProgress ? { onProgress: request.onProgress } : {}) });
  let runId: string | undefined;
  // Interrupted (Ctrl-C): the run's unfinished tasks are cancelled, so no agent keeps working on a
  // run nobody follows; then following stops.
  const abandon = () => {
    void (async () => {
      if (runId) {
        const cancelling = runId;
        const cancelled = follower.link.call((c) => c.call('run_cancel', { run_id: cancelling }));
        const gaveUp = new Promise<null>((resolve) => setTimeout(() => resolve(null), 3000).unref());
        try {
          const result = await Promise.race([cancelled, gaveUp]);
          request.log(result ? `interrupted: cancelled ${result.cancelled} unfinished task(s) of run ${runId}` : `interrupted: the hub did not answer; run ${runId} keeps its unfinished tasks`);
        } catch (err) {
          request.log(`interrupted: could not cancel the tasks of run ${runId}: ${errorMessage(err)}`);
        }
      }
      follower.close();
    })();
  };
  let checkRunner: CheckCommandRunner | undefined;
  if (request.signal?.aborted) abandon();
  request.signal?.addEventListener('abort', abandon, { once: true });
  try {
    // Subscribed before the run exists, so none of its events is missed. Creating is not retried
    // (a retry after a lost answer would make a second run); everything after it rides out restarts.
    const client = await follower.connect();
    // An agent serves a backend right now when it waits for work (long poll) or holds a task; one
    // merely seen recently may have stopped. The others get an agent in this process, so they must
    // be backends this machine knows (checked before anything is queued); a backend only a remote
    // agent knows (its own folder backend, say) is fine while that agent serves it.
    const { workers } = await client.call('workers');
    const served = new Set(workers.filter((w) => w.waiting || w.running.length > 0).flatMap((w) => w.backends));
    // Judges grade answers as tasks of the run: their backends need an agent like the run's own.
    const judges = judgeBackends(request, routingName);
    const local = [...request.backends, ...judges].filter((b) => !served.has(routingName(b.name)));
    for (const spec of local) {
      try {
        driverFor(spec.name);
      } catch (err) {
        const role = judges.includes(spec) ? ' (the judge of a check)' : '';
        throw new HubError('bad_request', `${errorMessage(err)}${role}; and no agent serves it now (start one with \`mittelo agent --backend ${spec.name}\` where it is installed)`);
      }
    }

    const created = await client.call('run_create', {
      pack_name: request.packName,
      pack_path: request.packPath,
      preset: request.preset,
      backends: request.backends.map((b) => b.name),
      repeat: request.repeat,
      entries: request.entries,
      lock_state: request.lockState,
      ...(request.label ? { label: request.label } : {}),
    });
    request.log(`run ${created.run_id}: ${created.task_ids.length} task(s) on ${request.backends.map((b) => b.name).join(', ')}`);
    runId = created.run_id;
    const commands = packCommands(request.entries);
    if (commands.size > 0) {
      const cwd = request.packPath ? path.dirname(path.resolve(request.packPath)) : process.cwd();
      checkRunner = new CheckCommandRunner({ address: hub.address, runId: created.run_id, commands, cwd, log: request.log });
      checkRunner.start();
    }
    request.onCreated?.(created.run_id, created.task_ids);

    if (local.length > 0) {
      for (const spec of local) inProcess.add(spec.name);
      await startAgent(local);
      request.log(`in-process agent for ${local.map((b) => b.name).join(', ')}; remote agents serve ${[...served].filter((b) => request.backends.some((s) => routingName(s.name) === b)).join(', ') || 'none'}`);
    }

    await follower.until(created.run_id);

    const record = await follower.link.call((c) => c.call('run_get', { run_id: created.run_id }));
    let baseline: RunRecord | null = null;
    if (request.withBaseline) {
      const { run_id: baselineId } = await follower.link.call((c) => c.call('run_baseline_of', { pack_name: request.packName }));
      if (baselineId && baselineId !== record.run.run_id) baseline = await follower.link.call((c) => c.call('run_get', { run_id: baselineId }));
    }
    return { record, embeddedHub: hub.embedded, inProcessBackends: [...inProcess], baseline };
  } finally {
    request.signal?.removeEventListener('abort', abandon);
    await checkRunner?.stop();
    await Promise.all(agents.map((a) => a.stop('release')));
    await Promise.all(agentRuns);
    follower.close();
    await hub.stop();
  }
}
