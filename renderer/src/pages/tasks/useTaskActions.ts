/** Retry and cancel, shared by the detail panel's buttons and the page's `r` / `c` keys. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { call } from '../../api/client.js';
import { hubKeys, taskKeys } from '../../api/keys.js';
import type { TaskStatus } from '../../api/types.js';

export const canRetry = (status: TaskStatus) => status === 'failed' || status === 'cancelled';
export const canCancel = (status: TaskStatus) => status === 'queued' || status === 'leased';

export function useTaskActions() {
  const queryClient = useQueryClient();
  // Events update the table; refreshing the open task at once avoids a stale detail if they lag.
  const refresh = (taskId: number) => {
    void queryClient.invalidateQueries({ queryKey: taskKeys.detail(taskId) });
    void queryClient.invalidateQueries({ queryKey: hubKeys.status() });
  };
  const retry = useMutation({
    mutationFn: (taskId: number) => call('tasks.retry', { task_id: taskId }),
    onSuccess: (_result, taskId) => refresh(taskId),
  });
  const cancel = useMutation({
    mutationFn: (taskId: number) => call('tasks.cancel', { task_id: taskId }),
    onSuccess: (_result, taskId) => {
      refresh(taskId);
      setConfirming(null);
    },
  });
  /** The task whose cancellation waits for the user's confirmation. */
  const [confirming, setConfirming] = useState<number | null>(null);
  const askCancel = (taskId: number | null) => {
    cancel.reset();
    setConfirming(taskId);
  };
  return { retry, cancel, confirming, askCancel };
}

export type TaskActions = ReturnType<typeof useTaskActions>;
