/** Output of a running task as the agent streams it; follows the end unless the user scrolled up. */
import { useLayoutEffect, useRef } from 'react';
import { useTaskOutput } from '../../api/queries.js';

export function LiveOutput({ taskId }: { taskId: number }) {
  const { data } = useTaskOutput(taskId);
  const ref = useRef<HTMLPreElement>(null);
  const follow = useRef(true);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [data]);
  return (
    <section aria-labelledby="live-output-title">
      <h3 id="live-output-title">Live output</h3>
      {data?.text ? (
        <pre
          ref={ref}
          className="pre-block"
          data-testid="live-output"
          onScroll={(e) => {
            const el = e.currentTarget;
            follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
          }}
        >
          {data.truncated ? '… (earlier output not kept here; the run record has all of it)\n' : ''}
          {data.text}
        </pre>
      ) : (
        <p className="muted">Running; no output yet.</p>
      )}
    </section>
  );
}
