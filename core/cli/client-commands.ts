/** Client commands: enqueue, status, get, stats, retry, cancel, shutdown. Each talks to a running hub. */
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { HubError, errorMessage } from '../errors.js';
import { readPackFile, type PackEntry } from '../pack.js';
import { TASK_STATUSES, type EnqueueInput } from '../queue/types.js';
import type { HubClient } from '../wire/client.js';
import { requireFeatures, type FeatureNeed } from '../wire/features.js';
import type { WireTask } from '../wire/floor.js';
import { formatStats, formatTask, formatTaskTable } from './format.js';
import { collect, parseInteger, print, withClient, withClientOptions, type ClientFlags } from './options.js';
import { clientAddress } from '../session/hub-address.js';


interface EnqueueFlags extends ClientFlags {
  prompt?: string;
  file?: string;
  jsonl?: string;
  backend?: string;
  priority?: number;
  maxAttempts?: number;
  label?: string[];
  runId?: string;
  idempotencyKey?: string;
}

function enqueueInputs(flags: EnqueueFlags): EnqueueInput[] {
  const sources = [flags.prompt !== undefined, flags.file !== undefined, flags.jsonl !== undefined].filter(Boolean).length;
  if (sources !== 1) throw new HubError('bad_request', 'give exactly one of --prompt, --file or --jsonl');
  const common = {
    backend: flags.backend,
    priority: flags.priority,
    max_attempts: flags.maxAttempts,
    labels: flags.label,
    run_id: flags.runId,
  };
  if (flags.prompt !== undefined) return [{ ...common, prompt: flags.prompt, idempotency_key: flags.idempotencyKey }];
  if (flags.file !== undefined) {
    let prompt: string;
    try {
      prompt = fs.readFileSync(flags.file, 'utf8');
    } catch (err) {
      throw new HubError('bad_request', `cannot read --file ${flags.file}: ${errorMessage(err)}`);
    }
    return [{ ...common, prompt, idempotency_key: flags.idempotencyKey }];
  }
  if (flags.idempotencyKey) throw new HubError('bad_request', '--idempotency-key applies to one prompt, not a --jsonl pack');
  return readPackFile(flags.jsonl ?? '').map((entry: PackEntry) => ({
    ...common,
    prompt: entry.prompt,
    backend: entry.backend ?? flags.backend,
    priority: entry.priority ?? flags.priority,
    max_attempts: entry.max_attempts ?? flags.maxAttempts,
    labels: entry.labels ?? flags.label,
    metadata: entry.id || entry.expect ? { pack_id: entry.id, expect: entry.expect } : undefined,
  }));
}

const parseTaskId = parseInteger('task id', { min: 1 });

/**
 * What the hub must offer to store what these inputs ask for, named as the user gave it (a flag or
 * a pack field): a hub that lacks it (the original mittelo) would drop it without a word.
 */
function enqueueNeeds(flags: EnqueueFlags, inputs: EnqueueInput[]): FeatureNeed[] {
  const needs: FeatureNeed[] = [];
  const need = (asked: boolean, feature: FeatureNeed['feature'], what: string) => {
    if (asked) needs.push({ feature, what });
  };
  need(flags.backend !== undefined, 'routing', '--backend');
  need(flags.priority !== undefined, 'priority', '--priority');
  need(flags.label !== undefined, 'labels', '--label');
  need(flags.maxAttempts !== undefined, 'max_attempts', '--max-attempts');
  need(flags.runId !== undefined, 'run_id', '--run-id');
  need(flags.idempotencyKey !== undefined, 'idempotency_key', '--idempotency-key');
  for (const input of inputs) {
    need(input.backend != null && flags.backend === undefined, 'routing', 'the pack\'s "backend"');
    need(input.priority !== undefined && flags.priority === undefined, 'priority', 'the pack\'s "priority"');
    need(input.labels !== undefined && flags.label === undefined, 'labels', 'the pack\'s "labels"');
    need(input.max_attempts != null && flags.maxAttempts === undefined, 'max_attempts', 'the pack\'s "max_attempts"');
    need(input.metadata !== undefined, 'metadata', 'the pack\'s "id" and "expect"');
  }
  return needs;
}

/** One task in full; a hub without `get` (the original mittelo) is asked for its whole list instead. */
async function getTask(client: HubClient, taskId: number): Promise<WireTask> {
  try {
    return await client.get(taskId);
  } catch (err) {
    if (!(err instanceof HubError && err.code === 'unknown_method')) throw err;
  }
  const { tasks } = await client.list({ limit: 0 });
  const task = tasks.find((t) => t.task_id === taskId);
  if (!task) throw new HubError('not_found', `no task ${taskId}`);
  return task;
}

export function registerClientCommands(program: Command): void {
  withClientOptions(program.command('enqueue'))
    .description('queue one prompt (--prompt, --file) or a JSONL pack (--jsonl)')
    .option('--prompt <text>', 'the prompt text')
    .option('--file <path>', 'read one prompt from a file')
    .option('--jsonl <path>', 'a pack: one {"prompt": ...} JSON object per line')
    .option('--backend <name>', 'route to agents serving this backend')
    .option('--priority <n>', 'higher runs first (default 0)', parseInteger('--priority'))
    .option('--max-attempts <n>', 'fail after this many expired leases', parseInteger('--max-attempts', { min: 1 }))
    .option('--label <label>', 'label the task (repeatable)', collect)
    .option('--run-id <id>', 'group the tasks under a run id')
    .option('--idempotency-key <key>', 'retrying with the same key never enqueues twice')
    .action(async (flags: EnqueueFlags) => {
      const inputs = enqueueInputs(flags);
      const results = await withClient(flags, async (client) => {
        await requireFeatures(client, enqueueNeeds(flags, inputs));
        return Promise.all(inputs.map((input) => client.enqueue(input)));
      });
      const ids = results.map((r) => r.task_id);
      const duplicates = results.filter((r) => r.duplicate).length;
      const human =
        ids.length === 1
          ? `${results[0]?.duplicate ? 'already queued as' : 'queued'} task ${ids[0]}`
          : `queued ${ids.length - duplicates} tasks (${ids[0]}..${ids[ids.length - 1]})${duplicates ? `, ${duplicates} already present` : ''}`;
      print(flags, ids.length === 1 ? results[0] : { task_ids: ids }, human);
    });

  withClientOptions(program.command('status'))
    .description('list tasks, newest first')
    .addOption(new Option('--status <status>', 'only tasks with this status').choices(TASK_STATUSES))
    .option('--backend <name>', 'only tasks routed to this backend')
    .option('--run-id <id>', 'only tasks of this run')
    .option('--limit <n>', 'how many (0 = all)', parseInteger('--limit'), 20)
    .action(async (flags: ClientFlags & { status?: (typeof TASK_STATUSES)[number]; backend?: string; runId?: string; limit: number }) => {
      const answer = await withClient(flags, async (client) => {
        await requireFeatures(client, [
          ...(flags.backend !== undefined ? [{ feature: 'list_filters', what: '--backend' } as const] : []),
          ...(flags.runId !== undefined ? [{ feature: 'list_filters', what: '--run-id' } as const] : []),
        ]);
        return client.list({ status: flags.status, backend: flags.backend, run_id: flags.runId, limit: flags.limit });
      });
      print(flags, answer, `${formatTaskTable(answer.tasks)}\n\n${formatStats(answer.stats)}`);
    });

  withClientOptions(program.command('get'))
    .description('show one task in full')
    .argument('<task-id>', 'task id', parseInteger('task id', { min: 1 }))
    .action(async (taskId: number, flags: ClientFlags) => {
      const task = await withClient(flags, (client) => getTask(client, taskId));
      print(flags, { task }, formatTask(task));
    });

  withClientOptions(program.command('stats'))
    .description('task counts by status')
    .action(async (flags: ClientFlags) => {
      const stats = await withClient(flags, (client) => client.stats());
      print(flags, { stats }, formatStats(stats));
    });

  withClientOptions(program.command('retry'))
    .description('put failed tasks back in the queue (all of them, or one failed/cancelled task)')
    .argument('[task-id]', 'only this task', parseInteger('task id', { min: 1 }))
    .action(async (taskId: number | undefined, flags: ClientFlags) => {
      const answer = await withClient(flags, async (client) => {
        // The original hub ignores the id and retries every failed task.
        if (taskId !== undefined) await requireFeatures(client, [{ feature: 'retry_one', what: 'retry <task-id>' }]);
        return client.retryFailed(taskId);
      });
      print(flags, answer, `retried ${answer.retried} task${answer.retried === 1 ? '' : 's'}`);
    });

  withClientOptions(program.command('cancel'))
    .description('cancel queued or leased tasks (an agent running one stops it)')
    // Parsed by commander (not in the action), so a bad id is reported like any other bad argument.
    .argument('<task-id...>', 'task ids', (value: string, previous: number[] = []) => [...previous, parseTaskId(value)])
    .action(async (ids: number[], flags: ClientFlags) => {
      const tasks = await withClient(flags, async (client) => {
        await requireFeatures(client, [{ feature: 'cancel', what: 'cancel' }]);
        return Promise.all(ids.map(async (id) => (await client.cancel(id)).task));
      });
      print(flags, { tasks }, tasks.map((t) => `cancelled task ${t.task_id}`).join('\n'));
    });

  withClientOptions(program.command('shutdown'))
    .description('stop the hub (it finishes in-flight requests and closes the database)')
    .action(async (flags: ClientFlags) => {
      const answer = await withClient(flags, (client) => client.shutdown());
      const address = clientAddress(flags);
      print(flags, answer, `hub at ${address.host}:${address.port} is shutting down`);
    });
}
