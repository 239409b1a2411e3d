/**
 * `command` and `judge` checks run as tasks of the run ("check tasks"), so they are recorded like
 * any answer (argv, scrubbed env, output, exit, latency) and a run is not finished while one runs.
 *
 * - When a run's task ends `done` and its `expect` has such checks, the hub enqueues one check task
 *   per check, in the same turn of the event loop, so anyone following the run sees the check task
 *   before it sees the answer end (CheckTaskScheduler).
 * - A judge task goes to the judge's backend, like any prompt: the judge's own task is in the run.
 * - A command task goes to a per-run route that only the process which started the run serves
 *   (core/session/check-commands.ts): a command runs where the pack was read, and only a command of
 *   that pack, never one that arrived over the wire alone.
 * The judged task's check result is read back from its check task (checkTaskResult).
 */
import { createHash } from 'node:crypto';
import type { TaskQueue } from '../queue/queue.js';
import type { Task } from '../queue/types.js';
import {
  checkTaskKinds,
  commandLine,
  commandTimeoutSeconds,
  DEFAULT_JUDGE_TIMEOUT_SECONDS,
  type CheckResult,
  type Expect,
} from './expect.js';
import { normalizeBackendName } from '../../drivers/backend-name.js';

export type CheckTaskKind = 'command' | 'judge';

/** What a check task carries in its metadata (besides prompt_id and repeat_index of its task). */
export interface CheckTaskMetadata {
  check_of: number;
  check: CheckTaskKind;
  prompt_id?: string;
  repeat_index?: number;
  /** command: the command line, run with the answer on stdin. */
  command?: string;
  /** Bound on the check's own time (the agent and the command runner honour it). */
  timeout_seconds?: number;
  /** A judge grades; it needs no tools. */
  tool_policy?: 'none';
  model?: string;
}

/**
 * The route of a run's command checks: only the process that started the run serves it. In the
 * form the wire gives backend names (lower case, `_` for `-`), so a lease for it matches.
 */
export function commandRoute(runId: string): string {
  const tag = /^[A-Za-z0-9_.-]{1,50}$/.test(runId) ? runId : createHash('sha256').update(runId).digest('hex').slice(0, 24);
  return normalizeBackendName(`check.${tag}`);
}

export function checkTaskMeta(task: Pick<Task, 'metadata'>): CheckTaskMetadata | null {
  const meta = task.metadata;
  if (typeof meta.check_of !== 'number' || (meta.check !== 'command' && meta.check !== 'judge')) return null;
  return meta as unknown as CheckTaskMetadata;
}

const JUDGE_INSTRUCTIONS =
  'You are grading an answer against a rubric. Decide whether the answer meets the rubric. Reply with one JSON object and nothing else: {"pass": true or false, "reason": "one sentence saying why"}.';

export function judgePrompt(rubric: string, prompt: string, answer: string): string {
  return `${JUDGE_INSTRUCTIONS}\n\n## Rubric\n${rubric}\n\n## The prompt that was asked\n${prompt}\n\n## The answer to grade\n${answer}\n`;
}

export type JudgeVerdict = { pass: boolean; reason: string } | { pass: null; reason: string };

/**
 * The judge's verdict from its reply: a JSON object with a boolean `pass` anywhere in it (models
 * like code fences), else a reply starting with PASS or FAIL; anything else is no verdict.
 */
export function parseVerdict(reply: string): JudgeVerdict {
  for (const match of reply.matchAll(/\{[^{}]*\}/g)) {
    try {
      const value = JSON.parse(match[0]) as { pass?: unknown; reason?: unknown };
      if (typeof value.pass === 'boolean') return { pass: value.pass, reason: typeof value.reason === 'string' && value.reason.trim() ? value.reason.trim() : 'no reason given' };
    } catch {
      // not this one
    }
  }
  const word = /^\s*(?:\*\*)?(PASS|FAIL)\b(?:\*\*)?[\s:.,-]*([\s\S]*)$/i.exec(reply);
  if (word?.[1]) return { pass: word[1].toUpperCase() === 'PASS', reason: word[2]?.trim() || 'no reason given' };
  const shown = reply.trim().slice(0, 120);
  return { pass: null, reason: `the judge's reply has no verdict (expected {"pass": ..., "reason": ...}): ${JSON.stringify(shown)}` };
}

function checkLabel(kind: CheckTaskKind, expect: Expect): string {
  if (kind === 'command' && expect.command !== undefined) return `command ${JSON.stringify(commandLine(expect.command))} exits 0`;
  return `judge ${expect.judge?.backend ?? '?'}: ${expect.judge?.rubric ?? ''}`.slice(0, 200);
}

/**
 * The result of a `command` or `judge` check from its check task (the newest one, when the task was
 * retried and checked again); `undefined` while none exists yet.
 */
export function checkTaskResult(kind: CheckTaskKind, expect: Expect, checkTask: Task | undefined, answerFailed: boolean): CheckResult {
  const check = checkLabel(kind, expect);
  const base = { check, kind };
  if (answerFailed) return { ...base, pass: false, detail: 'the task failed', reason: 'the task failed, so there is no answer to check' };
  if (!checkTask || checkTask.status === 'queued' || checkTask.status === 'leased') {
    const who = kind === 'judge' ? `the judge (${expect.judge?.backend ?? '?'})` : 'the command';
    return { ...base, pass: false, pending: true, detail: 'not checked yet', reason: `waiting for ${who} to check the answer`, ...(checkTask ? { task_id: checkTask.task_id } : {}) };
  }
  const task_id = checkTask.task_id;
  if (checkTask.status === 'cancelled') return { ...base, task_id, pass: false, detail: 'check cancelled', reason: `the ${kind} check was cancelled before it decided` };
  if (kind === 'command') {
    const line = expect.command === undefined ? '' : commandLine(expect.command);
    if (checkTask.status === 'done') return { ...base, task_id, pass: true, detail: 'exit 0', reason: `the command ${JSON.stringify(line)} accepted the answer (exit 0)` };
    return { ...base, task_id, pass: false, detail: checkTask.error ?? 'failed', reason: `expected the command ${JSON.stringify(line)} to accept the answer; ${checkTask.error ?? 'it failed'}` };
  }
  const backend = expect.judge?.backend ?? '?';
  if (checkTask.status === 'failed') return { ...base, task_id, pass: false, detail: checkTask.error ?? 'the judge failed', reason: `the judge (${backend}) could not grade the answer: ${checkTask.error ?? 'its task failed'}` };
  const verdict = parseVerdict(checkTask.result ?? '');
  if (verdict.pass === null) return { ...base, task_id, pass: false, detail: 'no verdict', reason: verdict.reason };
  return verdict.pass
    ? { ...base, task_id, pass: true, detail: verdict.reason, reason: `the judge (${backend}) passed the answer: ${verdict.reason}` }
    : { ...base, task_id, pass: false, detail: verdict.reason, reason: `the judge (${backend}) failed the answer: ${verdict.reason}` };
}

/** Enqueues the check tasks of every run task that ends `done` with `command` / `judge` checks. */
export class CheckTaskScheduler {
  constructor(
    private readonly queue: TaskQueue,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    // The ack hook runs before the ack's event: the check task's `enqueued` event then reaches
    // followers before the answer's `acked`, so nobody sees the run end while a check is to come.
    queue.onAck((task) => this.onAck(task));
  }

  private onAck(task: Task): void {
    if (task.status !== 'done' || task.run_id === null || checkTaskMeta(task)) return;
    const expect = task.metadata.expect as Expect | undefined;
    const kinds = checkTaskKinds(expect);
    if (!expect || kinds.length === 0) return;
    try {
      this.enqueueChecks(task, expect, kinds);
    } catch (err) {
      // The answer is kept whatever happens here: say why its checks were not queued.
      this.log(`could not queue the checks of task ${task.task_id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private enqueueChecks(task: Task, expect: Expect, kinds: CheckTaskKind[]): void {
    const runId = task.run_id ?? '';
    const { prompt_id, repeat_index } = task.metadata;
    const shared = {
      check_of: task.task_id,
      ...(typeof prompt_id === 'string' ? { prompt_id } : {}),
      ...(typeof repeat_index === 'number' ? { repeat_index } : {}),
    };
    this.queue.batch(() => {
      for (const kind of kinds) {
        // One check per answer: the key names the answer's finish, so a retried task is checked again.
        const idempotency_key = `check:${task.task_id}:${kind}:${task.finished_at ?? 0}`;
        if (kind === 'command' && expect.command !== undefined) {
          const line = commandLine(expect.command);
          const metadata: CheckTaskMetadata = { ...shared, check: 'command', command: line, timeout_seconds: commandTimeoutSeconds(expect.command) };
          this.queue.enqueue({ prompt: `check the answer of task ${task.task_id} with: ${line}`, backend: commandRoute(runId), run_id: runId, max_attempts: 2, labels: ['check'], metadata: { ...metadata }, idempotency_key });
        } else if (kind === 'judge' && expect.judge) {
          const judge = expect.judge;
          const metadata: CheckTaskMetadata = { ...shared, check: 'judge', tool_policy: 'none', timeout_seconds: judge.timeout_seconds ?? DEFAULT_JUDGE_TIMEOUT_SECONDS, ...(judge.model ? { model: judge.model } : {}) };
          const backend = normalizeBackendName(judge.backend);
          this.queue.enqueue({ prompt: judgePrompt(judge.rubric, task.prompt, task.result ?? ''), backend, run_id: runId, max_attempts: 2, labels: ['check', 'judge'], metadata: { ...metadata }, idempotency_key });
        }
      }
    });
  }

  close(): void {
    this.queue.onAck(null);
  }
}
