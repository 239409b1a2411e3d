/**
 * Compile-time test of the hub contract (core/wire/contract.ts), checked by `npm run typecheck`
 * (tests/tsconfig.json), never run. Each `@ts-expect-error` line must fail to compile: if one starts
 * compiling (a method, params or result that the contract stopped typing), tsc reports the directive
 * as unused and the typecheck fails. The lines without the directive must compile.
 */
import type { HubClient } from '../../core/wire/client.js';
import type { HubCall, HubResult } from '../../core/wire/contract.js';
import type { AppWorkspace } from '../../core/app/app-workspace.js';
import type { RunRecord } from '../../core/runs/types.js';
import type { Task } from '../../core/queue/types.js';

export async function methodNames(client: HubClient): Promise<void> {
  await client.call('run_list', { limit: 5 });
  // @ts-expect-error: no such method
  await client.call('run_lists', { limit: 5 });
  // @ts-expect-error: a method name must be one of the contract's, not any string
  await client.call('stats' as string);
}

export async function params(client: HubClient, call: HubCall): Promise<void> {
  await client.call('stats');
  await client.call('get', { task_id: 1 });
  // @ts-expect-error: get needs its task_id
  await client.call('get');
  // @ts-expect-error: task_id is a number
  await client.call('get', { task_id: '1' });
  // @ts-expect-error: ack's status is "done" or "failed"
  await client.call('ack', { task_id: 1, status: 'finished' });
  // @ts-expect-error: run_create needs its entries
  await client.call('run_create', { pack_name: 'p', backends: ['echo'] });
  // @ts-expect-error: the same through a HubCall (the app's open workspace, a RunReader)
  await call('run_get', { run: 'r' });
}

export async function results(client: HubClient, app: AppWorkspace): Promise<void> {
  const record: RunRecord = await client.call('run_get', { run_id: 'r' });
  const { task }: { task: Task } = await app.call('get', { task_id: 1 });
  const listed: HubResult<'run_list'> = await client.call('run_list', {});
  void [record, task, listed.runs[0]?.rollups];
  // @ts-expect-error: run_get answers a RunRecord, not a task
  const wrong: Task = await client.call('run_get', { run_id: 'r' });
  // @ts-expect-error: stats answers { stats }, whose counts are numbers
  const queued: string = (await client.call('stats')).stats.queued;
  // @ts-expect-error: run_list's answer has `runs`, not `tasks`
  void (await app.call('run_list', {})).tasks;
  // @ts-expect-error: enqueue answers a task id, not a task
  void (await client.call('enqueue', { prompt: 'p' })).task;
  void [wrong, queued];
}
