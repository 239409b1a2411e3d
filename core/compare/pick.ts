/**
 * Compare-and-pick: the answers one prompt got in a run, across its backends (and repeats), with
 * what each cost and took, and which one was picked as best (run.picks).
 */
import type { FailureClass } from '../../drivers/types.js';
import type { TaskStatus } from '../queue/types.js';
import type { CheckResult } from '../runs/expect.js';
import type { RunRecord, RunTask } from '../runs/types.js';
import { isOk } from './pair.js';

export interface PickCandidate {
  task_id: number;
  backend: string;
  repeat_index: number;
  status: TaskStatus;
  /** Done and every check passes. */
  ok: boolean;
  answer: string | null;
  error: string | null;
  failure_class: FailureClass | null;
  checks: CheckResult[];
  latency_ms: number | null;
  cost_usd: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cli_version: string | null;
  model: string | null;
  picked: boolean;
}

export interface SideBySide {
  run_id: string;
  prompt_id: string;
  prompt: string;
  /** In the run's backend order, then repeat index. */
  candidates: PickCandidate[];
  picked_task_id: number | null;
  /** Among the ok candidates, where reported; null when none reported it. */
  fastest_task_id: number | null;
  cheapest_task_id: number | null;
}

export interface PromptEntry {
  prompt_id: string;
  prompt: string;
  tasks: number;
  picked_task_id: number | null;
}

function candidate(task: RunTask, picked: number | null): PickCandidate {
  const artifact = task.artifact;
  return {
    task_id: task.task_id,
    backend: task.backend,
    repeat_index: task.repeat_index,
    status: task.status,
    ok: isOk(task),
    answer: task.result,
    error: task.error ?? artifact?.failure_message ?? null,
    failure_class: artifact?.failure_class ?? null,
    checks: task.checks,
    latency_ms: artifact?.latency_ms ?? null,
    cost_usd: artifact?.cost_usd ?? null,
    input_tokens: artifact?.input_tokens ?? null,
    output_tokens: artifact?.output_tokens ?? null,
    cli_version: artifact?.cli_version ?? null,
    model: artifact?.model ?? null,
    picked: task.task_id === picked,
  };
}

/** The ok candidate with the smallest reported value (first in order on a tie). */
function least(candidates: PickCandidate[], value: (c: PickCandidate) => number | null): number | null {
  let best: PickCandidate | null = null;
  // A tie for the lowest value names nobody: "fastest" on a tie would be a coin toss shown as fact.
  let tied = false;
  for (const c of candidates) {
    const v = value(c);
    if (!c.ok || v === null) continue;
    const current = best === null ? null : value(best);
    if (current === null || v < current) {
      best = c;
      tied = false;
    } else if (v === current) tied = true;
  }
  return tied ? null : (best?.task_id ?? null);
}

/** The answers of one prompt side by side; null when the run has no task for that prompt id. */
export function sideBySide(run: RunRecord, promptId: string): SideBySide | null {
  const tasks = run.tasks.filter((task) => task.prompt_id === promptId);
  const first = tasks[0];
  if (!first) return null;
  const order = (backend: string) => {
    const index = run.run.backends.indexOf(backend);
    return index === -1 ? Number.MAX_SAFE_INTEGER : index;
  };
  tasks.sort((x, y) => order(x.backend) - order(y.backend) || x.repeat_index - y.repeat_index || x.task_id - y.task_id);
  const pickedId = run.run.picks[promptId];
  const picked = pickedId !== undefined && tasks.some((task) => task.task_id === pickedId) ? pickedId : null;
  const candidates = tasks.map((task) => candidate(task, picked));
  return {
    run_id: run.run.run_id,
    prompt_id: promptId,
    prompt: first.prompt,
    candidates,
    picked_task_id: picked,
    fastest_task_id: least(candidates, (c) => c.latency_ms),
    cheapest_task_id: least(candidates, (c) => c.cost_usd),
  };
}

/** The prompts of a run in pack order, for choosing one to compare and pick. */
export function listPrompts(run: RunRecord): PromptEntry[] {
  const entries = new Map<string, PromptEntry>();
  for (const task of run.tasks) {
    let entry = entries.get(task.prompt_id);
    if (!entry) {
      entry = { prompt_id: task.prompt_id, prompt: task.prompt, tasks: 0, picked_task_id: null };
      entries.set(task.prompt_id, entry);
    }
    entry.tasks++;
    // A pick counts only when it names one of this prompt's tasks.
    if (run.run.picks[task.prompt_id] === task.task_id) entry.picked_task_id = task.task_id;
  }
  return [...entries.values()];
}
