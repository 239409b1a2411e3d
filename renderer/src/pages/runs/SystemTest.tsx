/**
 * "Start system test" in one click: the server picks the backends (those of the last system test,
 * else every ready one that can edit files) and starts the example pack; the page then shows its
 * progress. When there is a real choice to make it opens the start dialog on the system pack with
 * the choice explained; when nothing can do the work it says what to install or configure.
 * "Options…" opens the dialog directly.
 */
import type { ApiResult } from '../../api/types.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { hrefFor } from '../../lib/router.js';
import { useStartSystemTest } from '../../api/run-queries.js';

/** What the start dialog is opened with when the one click stopped to ask. */
export interface SystemTestQuestion {
  message: string;
  candidates: string[];
}

type Outcome = ApiResult<'runs.startSystemTest'>;

export function useSystemTestStart(handlers: { onStarted: (runId: string) => void; onQuestion: (question: SystemTestQuestion) => void }) {
  const mutation = useStartSystemTest();
  const start = () =>
    mutation.mutate(undefined, {
      onSuccess: (outcome: Outcome) => {
        if (outcome.started) handlers.onStarted(outcome.run_id);
        else if (outcome.reason === 'choose') handlers.onQuestion({ message: outcome.message, candidates: outcome.candidates });
      },
    });
  return { start, mutation };
}

export function SystemTestButtons({ pending, onStart, onOptions }: { pending: boolean; onStart: () => void; onOptions: () => void }) {
  return (
    <>
      <button type="button" onClick={onStart} disabled={pending} title="Agents edit small example projects; their tests decide pass or fail (packs/system.jsonl). Runs on the backends of your last system test, else every ready backend that can edit files.">
        {pending ? 'Starting system test…' : 'Start system test'}
      </button>
      <button type="button" onClick={onOptions} aria-label="System test options…" title="Choose the backends, a label or repeats for the system test">
        Options…
      </button>
    </>
  );
}

/** What the last click did: checking, started (on which backends and why), or why it could not. */
export function SystemTestNotice({ mutation, onOptions }: { mutation: ReturnType<typeof useSystemTestStart>['mutation']; onOptions: () => void }) {
  if (mutation.isPending) {
    return (
      <p className="muted" role="status" data-testid="system-test-status">
        Checking which backends can run the system test… (this starts each CLI once)
      </p>
    );
  }
  if (mutation.error) return <ErrorNotice title="The system test did not start" error={mutation.error} />;
  const outcome = mutation.data;
  if (!outcome) return null;
  if (outcome.started) {
    return (
      <p className="callout tone-good" role="status" data-testid="system-test-status">
        System test started on {outcome.backends.join(', ')}: {outcome.why}. Its progress is below.
      </p>
    );
  }
  if (outcome.reason === 'nothing_ready') {
    return (
      <div className="callout tone-warn" role="alert" data-testid="system-test-blocked">
        <p>{outcome.message}</p>
        <p>
          <a href={hrefFor('/backends')}>Open Backends</a>{' '}
          <button type="button" onClick={onOptions}>
            Options…
          </button>
        </p>
      </div>
    );
  }
  return null;
}
