/**
 * What the MCP adapter can do, as plain functions over a hub address: each validates its input
 * (zod, through the SDK), talks to the hub over the wire protocol, and returns JSON-able data. The
 * server (server.ts) turns thrown errors into MCP tool errors.
 */
import path from 'node:path';
import { z } from 'zod';
import type { ClientAddress } from '../config.js';
import { HubError } from '../errors.js';
import { readPack, type PackEntry } from '../pack.js';
import type { Task } from '../queue/types.js';
import { TASK_STATUSES } from '../queue/types.js';
import { compareRuns, hasRegressions } from '../compare/compare.js';
import { policyForRun } from '../compare/policy.js';
import { renderComparison } from '../compare/render.js';
import { loadWorkspaceConfig, runRepeat, specFromSettings } from '../agent/config.js';
import { withHub } from '../session/connect.js';
import { runPack } from '../session/run-pack.js';
import { rollups } from '../runs/rollup.js';
import type { RunInfo, RunRollup } from '../runs/types.js';
import { backendName } from '../../drivers/backend-name.js';

const TERMINAL = new Set<Task['status']>(['done', 'failed', 'cancelled']);
/** Answers longer than this are cut in list results (get_task returns them whole). */
const LIST_TEXT_LIMIT = 2000;

export const toolInputs = {
  enqueue_task: {
    prompt: z.string().min(1).describe('the prompt for the agent CLI'),
    backend: backendName.optional().describe('route to this backend (e.g. claude_code, gemini, codex); omit for any agent'),
    priority: z.number().int().min(-1_000_000).max(1_000_000).optional().describe('higher runs first (default 0)'),
    max_attempts: z.number().int().positive().optional().describe('give up after this many expired leases'),
  },
  get_task: { task_id: z.number().int().positive() },
  list_tasks: {
    status: z.enum(TASK_STATUSES).optional(),
    backend: backendName.optional(),
    run_id: z.string().min(1).optional(),
    limit: z.number().int().min(1).max(500).default(20).describe('newest first'),
  },
  wait_for_task: {
    task_id: z.number().int().positive(),
    timeout_seconds: z.number().positive().max(3600).default(60).describe('stop waiting after this long (the task keeps running)'),
  },
  start_run: {
    pack: z.string().min(1).optional().describe('path of a JSONL pack on the machine running this server'),
    prompts: z.array(z.string().min(1)).min(1).max(1000).optional().describe('prompts to run, instead of a pack'),
    backends: z.array(backendName).min(1).max(50),
    label: z.string().max(200).optional(),
    repeat: z.number().int().min(1).max(100).optional().describe("tries per prompt (default: the pack header's repeat, else packs.<pack name>.repeat of mittelo.config.json, else 1); repeats let compare tell regressions from noise"),
  },
  get_run_summary: { run_id: z.string().min(1) },
  compare_runs: {
    run_a: z.string().min(1).describe('the earlier run (e.g. the baseline)'),
    run_b: z.string().min(1).describe('the later run'),
  },
};

type Input<T extends keyof typeof toolInputs> = z.output<z.ZodObject<(typeof toolInputs)[T]>>;

function trimmed(task: Task): Task {
  const cut = (text: string | null) => (text !== null && text.length > LIST_TEXT_LIMIT ? `${text.slice(0, LIST_TEXT_LIMIT)}… [${text.length - LIST_TEXT_LIMIT} more characters: use get_task]` : text);
  return { ...task, prompt: cut(task.prompt) ?? '', result: cut(task.result), error: cut(task.error) };
}

/** Where start_run finds mittelo.config.json: `file` (--config) or the default name, relative to `cwd`. */
export interface McpConfigSource {
  file?: string;
  cwd?: string;
}

export class HubTools {
  /** Runs started by this server keep their in-process agents until they finish. */
  private readonly runsInFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly address: ClientAddress,
    private readonly log: (line: string) => void = () => undefined,
    private readonly configSource: McpConfigSource = {},
  ) {}

  enqueue_task(input: Input<'enqueue_task'>): Promise<{ task_id: number }> {
    return withHub(this.address, async (c) => {
      const { task_id } = await c.enqueue({
        prompt: input.prompt,
        ...(input.backend ? { backend: input.backend } : {}),
        ...(input.priority !== undefined ? { priority: input.priority } : {}),
        ...(input.max_attempts !== undefined ? { max_attempts: input.max_attempts } : {}),
      });
      return { task_id };
    });
  }

  get_task(input: Input<'get_task'>): Promise<{ task: Task }> {
    return withHub(this.address, async (c) => ({ task: await c.get(input.task_id) }));
  }

  list_tasks(input: Input<'list_tasks'>): Promise<{ tasks: Task[] }> {
    return withHub(this.address, async (c) => {
      const { tasks } = await c.list({
        limit: input.limit,
        ...(input.status ? { status: input.status } : {}),
        ...(input.backend ? { backend: input.backend } : {}),
        ...(input.run_id ? { run_id: input.run_id } : {}),
      });
      return { tasks: tasks.map(trimmed) };
    });
  }

  /** Resolves when the task is done, failed or cancelled, or when the timeout runs out. */
  wait_for_task(input: Input<'wait_for_task'>): Promise<{ task: Task; timed_out: boolean }> {
    return withHub(this.address, async (c) => {
      let settle: ((task: Task) => void) | undefined;
      const finished = new Promise<Task>((resolve) => (settle = resolve));
      // Subscribe before reading, so a change between the two is not missed.
      await c.subscribe((event) => {
        if ('task' in event && event.task.task_id === input.task_id && TERMINAL.has(event.task.status)) settle?.(event.task);
      }, ['acked', 'cancelled', 'expired']);
      const current = await c.get(input.task_id);
      if (TERMINAL.has(current.status)) return { task: current, timed_out: false };
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), input.timeout_seconds * 1000)));
      const task = await Promise.race([finished, timedOut]);
      clearTimeout(timer);
      return task ? { task, timed_out: false } : { task: await c.get(input.task_id), timed_out: true };
    });
  }

  /** Creates the run and returns at once; tasks run on remote agents or on agents in this process. */
  async start_run(input: Input<'start_run'>): Promise<{ run_id: string; tasks: number; note: string }> {
    if (Boolean(input.pack) === Boolean(input.prompts)) throw new HubError('bad_request', 'give either pack or prompts');
    // Read at every run, as `mittelo run` does, so an edit of the file applies without a restart;
    // a broken file fails the tool call, naming the file and field.
    const config = loadWorkspaceConfig(this.configSource.file, this.configSource.cwd);
    let entries: PackEntry[];
    let packName: string;
    let packPath: string | null = null;
    let header: { repeat?: number | undefined } = {};
    if (input.pack) {
      packPath = path.resolve(this.configSource.cwd ?? process.cwd(), input.pack);
      const pack = readPack(packPath);
      entries = pack.entries;
      header = pack.header;
      packName = path.basename(packPath).replace(/\.jsonl$/i, '');
    } else {
      entries = (input.prompts ?? []).map((prompt, i) => ({ prompt, id: `prompt-${i + 1}` }));
      packName = 'mcp';
    }
    let onCreated: (runId: string, taskIds: number[]) => void = () => undefined;
    const created = new Promise<{ runId: string; taskIds: number[] }>((resolve) => (onCreated = (runId, taskIds) => resolve({ runId, taskIds })));
    const running = runPack({
      address: this.address,
      embeddedDbPath: null,
      packName,
      packPath,
      entries,
      backends: input.backends.map((name) => specFromSettings(name, config.backends[name])),
      preset: 'custom',
      repeat: runRepeat(input.repeat, header, config, packName),
      concurrency: 2,
      lockState: null,
      log: this.log,
      onCreated,
      specFor: (name) => specFromSettings(name, config.backends[name]),
      ...(input.label ? { label: input.label } : {}),
    });
    const tracked = running.catch((err: unknown) => this.log(`run failed: ${err instanceof Error ? err.message : String(err)}`)).finally(() => this.runsInFlight.delete(tracked));
    this.runsInFlight.add(tracked);
    const first = await Promise.race([created, running.then(() => null)]);
    if (!first) throw new HubError('internal', 'the run ended before it was created');
    return { run_id: first.runId, tasks: first.taskIds.length, note: 'the run is in progress: use get_run_summary to follow it' };
  }

  get_run_summary(input: Input<'get_run_summary'>): Promise<{ run: RunInfo; rollups: RunRollup[]; failures: { task_id: number; backend: string; prompt_id: string; why: string }[] }> {
    return withHub(this.address, async (c) => {
      const record = await c.call('run_get', { run_id: input.run_id });
      const failures = record.tasks
        .filter((t) => !t.pass && (t.status === 'done' || t.status === 'failed' || t.status === 'cancelled'))
        .map((t) => ({
          task_id: t.task_id,
          backend: t.backend,
          prompt_id: t.prompt_id,
          why: t.status !== 'done' ? (t.error ?? t.status) : t.checks.filter((ch) => !ch.pass).map((ch) => `${ch.check}: ${ch.detail}`).join('; '),
        }));
      return { run: record.run, rollups: rollups(record.tasks, record.run.backends), failures };
    });
  }

  compare_runs(input: Input<'compare_runs'>): Promise<{ regressions: boolean; report: string; summary: unknown; gate: unknown }> {
    return withHub(this.address, async (c) => {
      const [a, b] = await Promise.all([c.call('run_get', { run_id: input.run_a }), c.call('run_get', { run_id: input.run_b })]);
      const { policy, source } = policyForRun(b);
      const comparison = compareRuns(a, b, { policy, policySource: source });
      return { regressions: hasRegressions(comparison), summary: comparison.summary, gate: comparison.gate, report: renderComparison(comparison, { format: 'text', color: false }) };
    });
  }

  /** Waits for runs this server started (their in-process agents) before the process exits. */
  async drain(): Promise<void> {
    await Promise.all([...this.runsInFlight]);
  }
}
