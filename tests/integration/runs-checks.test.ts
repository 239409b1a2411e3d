/**
 * `command` and `judge` checks end to end: `mittelo run` against a hub, a folder backend that
 * answers, real child processes for the command checks (run in the pack's folder, with the runner's
 * environment allowlist), and a fake judge backend (a folder backend that grades by a keyword).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import { CheckCommandRunner } from '../../core/session/check-commands.js';
import { commandRoute } from '../../core/runs/check-tasks.js';
import { repoRoot, startTestHub } from '../helpers.js';
import { rollupOf, stopTestHub, Workspace } from '../runs-helpers.js';

let hub: RunningHub & { dbPath: string };
let ws: Workspace;
/** The run of the first test, exported and imported by a later one. */
let checkedRunId = '';

const JUDGE = [
  // The fake judge: grades the part after "## The answer to grade" by a keyword, as a JSON verdict.
  'answer=$(sed -n "/^## The answer to grade/,\\$p")',
  'case "$answer" in',
  '  *garble*) echo "I think it is fine";;',
  '  *please*) echo "Verdict: {\\"pass\\": true, \\"reason\\": \\"the answer is polite\\"}";;',
  '  *) echo "{\\"pass\\": false, \\"reason\\": \\"the answer is not polite\\"}";;',
  'esac',
].join('\n');

beforeAll(async () => {
  hub = await startTestHub();
  ws = new Workspace(hub.port);
  ws.backend('answerer', 'prompt=$(cat)\ncase "$prompt" in\n  *short*) echo "too short";;\n  *garble*) echo "garble garble garble garble garble garble";;\n  *) echo "here is a long enough answer, please";;\nesac');
  ws.backend('judge', JUDGE);
  fs.copyFileSync(path.join(repoRoot, 'tests', 'fixtures', 'checks', 'min-words.sh'), path.join(ws.dir, 'min-words.sh'));
  fs.chmodSync(path.join(ws.dir, 'min-words.sh'), 0o755);
});

afterAll(async () => {
  await stopTestHub(hub);
  ws.remove();
});

describe('command and judge checks', () => {
  it('run as check tasks of the run, with their reasons in words, and hold the run open until they end', async () => {
    const both = { command: { run: './min-words.sh 5', timeout_seconds: 30 }, judge: { backend: 'judge', rubric: 'The answer is polite.' } };
    const pack = ws.pack('checked', [
      { id: 'long', prompt: 'long please', expect: both },
      { id: 'short', prompt: 'short', expect: both },
      { id: 'hang', prompt: 'long', expect: { command: { run: 'sleep 30', timeout_seconds: 1 } } },
      { id: 'garbled', prompt: 'garble', expect: { judge: { backend: 'judge', rubric: 'Polite.' } } },
    ]);
    // In our environment, so a leak would show: the check command fails with exit 9 if it sees it.
    const result = await ws.cli(['run', '--no-embedded', '--pack', pack, '--backend', 'answerer'], { CHECK_SECRET_TOKEN: 'sekrit-check-token-123' });
    expect(result.code, result.stderr).toBe(1);
    const runId = /^mittelo run: run (\S+): 4 task\(s\) on answerer$/m.exec(result.stderr)?.[1] ?? '';

    checkedRunId = runId;
    const record = await ws.show(runId);
    expect(record.run.finished_at).not.toBeNull();
    expect(record.tasks).toHaveLength(4);
    const checkTasks = record.check_tasks ?? [];
    // long: command + judge; short: command + judge; hang: command; garbled: judge.
    expect(checkTasks).toHaveLength(6);
    expect(checkTasks.every((t) => t.status === 'done' || t.status === 'failed')).toBe(true);
    const task = (id: string) => {
      const found = record.tasks.find((t) => t.prompt_id === id);
      if (!found) throw new Error(`no task ${id}`);
      return found;
    };

    const long = task('long');
    expect(long.pass).toBe(true);
    expect(long.checks).toMatchObject([
      { kind: 'command', pass: true, reason: 'the command "./min-words.sh 5" accepted the answer (exit 0)' },
      { kind: 'judge', pass: true, reason: 'the judge (judge) passed the answer: the answer is polite' },
    ]);
    // The judge's own task is in the run: its prompt has the rubric, the prompt and the answer.
    const judgeTask = checkTasks.find((t) => t.task_id === long.checks[1]?.task_id);
    expect(judgeTask).toMatchObject({ backend: 'judge', check_of: long.task_id, check_kind: 'judge', status: 'done' });
    expect(judgeTask?.prompt).toContain('The answer is polite.');
    expect(judgeTask?.prompt).toContain('here is a long enough answer, please');
    // The command's task records the process like a backend's: argv, output, and no secret in its environment.
    const commandTask = checkTasks.find((t) => t.task_id === long.checks[0]?.task_id);
    expect(commandTask?.artifact).toMatchObject({ argv: ['./min-words.sh', '5'], exit_code: 0, stdout: '7 words\n' });
    expect(JSON.stringify(commandTask?.artifact?.env)).not.toContain('sekrit');

    const short = task('short');
    expect(short.pass).toBe(false);
    expect(short.checks[0]).toMatchObject({ kind: 'command', pass: false });
    expect(short.checks[0]?.reason).toBe('expected the command "./min-words.sh 5" to accept the answer; it exited with code 1: only 2 words, need 5');
    expect(short.checks[1]).toMatchObject({ kind: 'judge', pass: false, reason: 'the judge (judge) failed the answer: the answer is not polite' });

    const hang = task('hang');
    expect(hang.checks[0]?.pass).toBe(false);
    expect(hang.checks[0]?.reason).toBe('expected the command "sleep 30" to accept the answer; it did not finish within 1 s and was stopped');

    const garbled = task('garbled');
    expect(garbled.checks[0]).toMatchObject({ kind: 'judge', pass: false });
    expect(garbled.checks[0]?.reason).toMatch(/^the judge's reply has no verdict/);

    // Rollups count the answers only (not the check tasks); progress listed the failed checks in words.
    expect(rollupOf(record.rollups, null)).toMatchObject({ total: 4, done: 4, passed: 1, check_failures: 3, checks_pending: 0 });
    expect(result.stderr).toContain('failed checks:');
    expect(result.stderr).toContain('✗ short on answerer: expected the command "./min-words.sh 5" to accept the answer; it exited with code 1: only 2 words, need 5; the judge (judge) failed the answer: the answer is not polite');
    expect(result.stderr).toMatch(/^checks +6\/6 command\/judge checks ended$/m);

    // `mittelo runs show` lists the failures in the same words.
    const shown = await ws.cli(['runs', 'show', runId]);
    expect(shown.stdout).toContain(`task ${short.task_id} answerer short: expected the command "./min-words.sh 5" to accept the answer; it exited with code 1: only 2 words, need 5; the judge (judge) failed the answer: the answer is not polite`);

    // Task detail's source (wire run_task_checks): the checks of one task, as the record has them.
    expect(hub.runs.taskChecks(short.task_id)).toEqual(short.checks);
  });

  it('an exported run keeps its command and judge verdicts when imported elsewhere (they cannot run again there)', async () => {
    const folder = path.join(ws.dir, 'export-checked');
    const exported = await ws.cli(['runs', 'export', checkedRunId, folder]);
    expect(exported.code, exported.stderr).toBe(0);
    const imported = await ws.json<{ run_id: string }>(['runs', 'import', folder]);
    const record = await ws.show(imported.run_id);
    expect(record.check_tasks).toBeUndefined();
    const short = record.tasks.find((t) => t.prompt_id === 'short');
    expect(short?.pass).toBe(false);
    expect(short?.checks.map((c) => [c.kind, c.pass, c.reason])).toEqual([
      ['command', false, 'expected the command "./min-words.sh 5" to accept the answer; it exited with code 1: only 2 words, need 5 (decided where the run was recorded)'],
      ['judge', false, 'the judge (judge) failed the answer: the answer is not polite (decided where the run was recorded)'],
    ]);
    expect(record.tasks.find((t) => t.prompt_id === 'long')?.pass).toBe(true);
    expect(rollupOf(record.rollups, null)).toMatchObject({ passed: 1, check_failures: 3, checks_pending: 0 });
  });

  it('queues the check task before anyone hears the answer ended, so the run never looks finished too early', () => {
    const { run_id: runId, task_ids } = hub.runs.create({ pack_name: 'order', preset: 'custom', backends: ['answerer'], repeat: 1, entries: [{ prompt: 'p', expect: { judge: { backend: 'judge', rubric: 'r' } } }], lock_state: null });
    const seen: string[] = [];
    const unsubscribe = hub.queue.events.subscribe((event) => {
      if ('task' in event && event.task.run_id === runId) seen.push(`${event.type} ${event.task.backend ?? ''}`);
    });
    try {
      const [answer] = hub.queue.lease({ worker_id: 'w', max_tasks: 1, backends: ['answerer'] });
      expect(answer?.task_id).toBe(task_ids[0]);
      hub.queue.ack({ task_id: task_ids[0] ?? 0, status: 'done', result: 'an answer', error: null, lease_token: answer?.lease_token ?? '' });
    } finally {
      unsubscribe();
    }
    expect(seen).toEqual(['leased answerer', 'enqueued judge', 'acked answerer']);
    const record = hub.runs.get(runId);
    expect(record.run.finished_at).toBeNull();
    expect(record.tasks[0]?.checks[0]).toMatchObject({ kind: 'judge', pending: true, reason: 'waiting for the judge (judge) to check the answer' });
    expect(hub.runs.summary(runId).rollups[0]).toMatchObject({ checks_pending: 1, check_failures: 0, passed: 0 });
    hub.runs.cancel(runId);
    expect(hub.runs.get(runId).tasks[0]?.checks[0]).toMatchObject({ pass: false, reason: 'the judge check was cancelled before it decided' });
  });

  it('a judge backend that does not exist stops the run before anything is queued, saying it is the judge', async () => {
    const pack = ws.pack('nojudge', [{ id: 'a', prompt: 'long', expect: { judge: { backend: 'nosuchjudge', rubric: 'x' } } }]);
    const before = hub.queue.stats();
    const result = await ws.cli(['run', '--no-embedded', '--pack', pack, '--backend', 'answerer']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/nosuchjudge.*\(the judge of a check\)/);
    expect(hub.queue.stats().queued).toBe(before.queued);
  });

  it('the command runner refuses a command that is not in its pack (one that came over the wire alone)', async () => {
    const { run_id: runId, task_ids } = hub.runs.create({ pack_name: 'wire', preset: 'custom', backends: ['answerer'], repeat: 1, entries: [{ prompt: 'p' }], lock_state: null });
    const [answer] = hub.queue.lease({ worker_id: 'w', max_tasks: 1, backends: ['answerer'] });
    expect(answer?.task_id).toBe(task_ids[0]);
    hub.queue.ack({ task_id: answer?.task_id ?? 0, status: 'done', result: 'x', error: null });
    const marker = path.join(ws.dir, 'pwned');
    const { task_id: sneaky } = hub.queue.enqueue({ prompt: 'sneaky', backend: commandRoute(runId), run_id: runId, metadata: { check_of: answer?.task_id, check: 'command', command: `touch ${marker}` } });
    const runner = new CheckCommandRunner({ address: { host: hub.host, port: hub.port }, runId, commands: new Set(['true']), cwd: ws.dir, log: () => undefined });
    runner.start();
    try {
      await expect.poll(() => hub.queue.get(sneaky).status, { timeout: 30_000 }).toBe('failed');
    } finally {
      await runner.stop();
    }
    expect(hub.queue.get(sneaky).error).toMatch(/^refused: ".*pwned" is not a command check of the pack this run was started with$/);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('the command runner takes only its run\'s check tasks, never unrouted work', async () => {
    const { task_id: unrouted } = hub.queue.enqueue({ prompt: 'for anyone' });
    const runner = new CheckCommandRunner({ address: { host: hub.host, port: hub.port }, runId: 'run-other', commands: new Set(['true']), cwd: ws.dir, log: () => undefined });
    runner.start();
    // Its lease loop has asked the hub at least once (it waits up to 2 s per ask).
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await runner.stop();
    expect(hub.queue.get(unrouted).status).toBe('queued');
    hub.queue.cancel(unrouted);
  });
});
