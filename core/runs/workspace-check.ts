/**
 * A system test's `check` (run by the agent in the task's workdir) as a check result of the task,
 * so run summaries, failures and comparisons count it like any `expect` check.
 */
import type { Artifact } from '../queue/artifact.js';
import type { TaskStatus } from '../queue/types.js';
import type { CheckResult } from './expect.js';

export function workspaceCheckResult(hasCheck: boolean, status: TaskStatus, artifact: Artifact | null): CheckResult | null {
  const ran = artifact?.workspace?.check ?? null;
  if (!hasCheck && !ran) return null;
  const base = { check: `workspace check${ran?.command ? ` \`${ran.command}\`` : ''}`, kind: 'workspace_check' as const };
  if (status === 'queued' || status === 'leased') return { ...base, pass: false, pending: true, detail: 'waiting for the agent', reason: 'the workspace check runs after the agent' };
  if (!ran) {
    return { ...base, pass: false, detail: 'not run', reason: status === 'cancelled' ? 'the task was cancelled, so its workspace was not checked' : 'the workspace check did not run (the task ended before it)' };
  }
  const detail = ran.timed_out ? 'timed out' : ran.exit_code !== null ? `exit ${ran.exit_code}` : ran.signal ? `killed by ${ran.signal}` : 'not run';
  if (status !== 'done') return { ...base, pass: false, detail, reason: `the task failed; ${ran.reason}` };
  return { ...base, pass: ran.pass, detail, reason: ran.reason };
}

/**
 * A system test whose agent wrote (or, contained, tried to write) outside its workdir fails this
 * check, naming the paths. Present only then: a task that stayed inside has nothing to say, and a
 * pair whose B side escaped is a new failure anyway (B does not pass).
 */
export function workspaceOutsideResult(artifact: Artifact | null): CheckResult | null {
  const workspace = artifact?.workspace;
  if (!workspace) return null;
  // Artifacts stored before these fields existed lack them (the database keeps what was acked).
  const wrote = (workspace.wrote_outside as string[] | undefined) ?? [];
  const refused = (workspace.refused_outside as string[] | undefined) ?? [];
  if (wrote.length === 0 && refused.length === 0) return null;
  const list = (paths: string[]): string => (paths.length > 5 ? `${paths.slice(0, 5).join(', ')} and ${paths.length - 5} more` : paths.join(', '));
  const reasons = [
    ...(wrote.length ? [`wrote outside its workdir: ${list(wrote)}`] : []),
    ...(refused.length ? [`tried to write outside its workdir (refused, the task was contained): ${list(refused)}`] : []),
  ];
  return { check: 'stays inside its workdir', kind: 'workspace_outside', pass: false, detail: wrote.length ? 'wrote outside' : 'refused writes outside', reason: reasons.join('; ') };
}
