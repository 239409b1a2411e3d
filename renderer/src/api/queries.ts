/**
 * Query hooks shared by pages. Each reads through `call` with a key from keys.ts; freshness comes
 * from events (api/live.ts), never from intervals. Pages add their own hooks the same way.
 * The Tasks table's rows have their own hook: api/useTaskRows.ts.
 */
import { useQuery } from '@tanstack/react-query';
import { call } from './client.js';
import { connection, connectionState } from './connection.js';
import { toApiCallError } from './errors.js';
import { hubKeys, runKeys, taskKeys, workerKeys } from './keys.js';
import type { LiveOutput } from './live.js';
import type { ApiInput } from './types.js';

export function useHubStatus() {
  return useQuery({
    queryKey: hubKeys.status(),
    queryFn: async () => {
      try {
        const status = await call('hub.status', {});
        connection.set(connectionState(status.online, status.reconnecting));
        return status;
      } catch (err) {
        if (toApiCallError(err).code === 'unreachable') connection.set('offline');
        throw err;
      }
    },
  });
}

export function useWorkers() {
  return useQuery({ queryKey: workerKeys.list(), queryFn: () => call('workers.list', {}) });
}

export function useRuns(input: ApiInput<'runs.list'> = {}) {
  return useQuery({ queryKey: runKeys.list(input), queryFn: () => call('runs.list', input) });
}

export function useTask(taskId: number | null) {
  return useQuery({
    queryKey: taskKeys.detail(taskId ?? 0),
    queryFn: () => call('tasks.get', { task_id: taskId ?? 0 }),
    enabled: taskId !== null,
  });
}

/** Output chunks of a running task as they arrive; never fetched (the artifact has it afterwards). */
export function useTaskOutput(taskId: number | null) {
  return useQuery<LiveOutput | null>({
    queryKey: taskKeys.output(taskId ?? 0),
    queryFn: () => null,
    enabled: false,
    initialData: null,
  });
}
