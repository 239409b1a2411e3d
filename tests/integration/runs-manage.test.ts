/**
 * Managing runs from the CLI (prune, pick) and what `mittelo run` refuses before it queues a
 * single task: preset/backend mismatches, unknown backends, bad pack lines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import type { RunInfo } from '../../core/runs/types.js';
import { closedPort, startTestHub } from '../helpers.js';
import { stopTestHub, Workspace } from '../runs-helpers.js';

let hub: RunningHub & { dbPath: string };
let ws: Workspace;

beforeAll(async () => {
  hub = await startTestHub();
  ws = new Workspace(hub.port);
  ws.backend('echoer', 'cat');
  ws.backend('shouter', "tr '[:lower:]' '[:upper:]'");
});

afterAll(async () => {
  await stopTestHub(hub);
  ws.remove();
});

describe('runs prune and pick', () => {
  it('prune --keep 1 deletes the older runs and their tasks but keeps the newest and every baseline', async () => {
    ws.pack('keep', [{ id: 'k1', prompt: 'keep one' }, { id: 'k2', prompt: 'keep two' }]);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await ws.run(['--pack', 'keep.jsonl', '--backend', 'echoer']);
      expect(r.code, r.stderr).toBe(0);
      ids.push(r.runId);
    }
    const [oldest, second, third, newest] = ids;
    await ws.json(['runs', 'baseline', oldest ?? '']);
    const before = hub.queue.stats();

    const pruned = await ws.json<{ deleted: string[] }>(['runs', 'prune', '--keep', '1']);
    expect(pruned.deleted.sort()).toEqual([second, third].sort());
    expect(hub.queue.stats()).toEqual({ ...before, done: before.done - 4 });
    const left = await ws.json<{ run: RunInfo }[]>(['runs', 'list', '--limit', '0']);
    expect(left.map((r) => r.run.run_id)).toEqual([newest, oldest]);
    const gone = await ws.cli(['runs', 'show', second ?? '']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain(`run ${second} not found`);
    expect(hub.queue.list({ run_id: second ?? '' })).toEqual([]);

    // Nothing more to do: the newest and the baseline stay.
    expect((await ws.json<{ deleted: string[] }>(['runs', 'prune', '--keep', '1'])).deleted).toEqual([]);
  }, 60_000); // four runs one after another and five CLI calls: over 20 s on a loaded 2-core machine

  it('prune keeps a run still in progress (its tasks are queued or leased) and says so', async () => {
    // A run on a backend no agent serves stays queued: it is in progress.
    const waiting = hub.runs.create({ pack_name: 'waiting', preset: 'custom', backends: ['nobody_serves_this'], repeat: 1, entries: [{ prompt: 'wait' }], lock_state: null });
    const before = hub.queue.stats();
    const pruned = await ws.json<{ deleted: string[]; kept_in_progress: string[] }>(['runs', 'prune', '--keep', '0']);
    expect(pruned.kept_in_progress).toContain(waiting.run_id);
    expect(pruned.deleted).not.toContain(waiting.run_id);
    expect(hub.queue.get(waiting.task_ids[0] ?? 0).status).toBe('queued');
    expect(hub.queue.stats().queued).toBe(before.queued);
    hub.runs.cancel(waiting.run_id);
  });

  it('pick marks the best answer of a prompt; a task of another prompt or run is refused', async () => {
    ws.pack('pair', [{ id: 'q1', prompt: 'first question' }, { id: 'q2', prompt: 'second question' }]);
    const r = await ws.run(['--pack', 'pair.jsonl', '--backend', 'echoer', '--backend', 'shouter']);
    expect(r.code, r.stderr).toBe(0);
    const record = await ws.show(r.runId);
    const shoutQ1 = record.tasks.find((t) => t.prompt_id === 'q1' && t.backend === 'shouter');
    const echoQ2 = record.tasks.find((t) => t.prompt_id === 'q2' && t.backend === 'echoer');
    expect(shoutQ1?.result).toBe('FIRST QUESTION');

    const picked = await ws.json<{ picks: Record<string, number> }>(['runs', 'pick', r.runId, '--prompt', 'q1', '--task', String(shoutQ1?.task_id)]);
    expect(picked.picks).toEqual({ q1: shoutQ1?.task_id });
    expect((await ws.show(r.runId)).run.picks).toEqual({ q1: shoutQ1?.task_id });
    const answers = await ws.json<{ candidates: { task_id: number; backend: string; answer: string | null; picked: boolean }[]; picked_task_id: number | null }>(['runs', 'answers', r.runId, '--prompt', 'q1']);
    expect(answers.picked_task_id).toBe(shoutQ1?.task_id);
    expect(answers.candidates.map((c) => [c.backend, c.answer, c.picked])).toEqual([
      ['echoer', 'first question', false],
      ['shouter', 'FIRST QUESTION', true],
    ]);

    const wrongPrompt = await ws.cli(['runs', 'pick', r.runId, '--prompt', 'q1', '--task', String(echoQ2?.task_id)]);
    expect(wrongPrompt.code).not.toBe(0);
    expect(wrongPrompt.stderr).toContain(`answers prompt q2, not q1`);
    const otherRun = await ws.cli(['runs', 'pick', r.runId, '--prompt', 'q1', '--task', '1']);
    expect(otherRun.code).not.toBe(0);
    expect(otherRun.stderr).toContain(`task 1 is not part of run ${r.runId}`);
    expect((await ws.show(r.runId)).run.picks).toEqual({ q1: shoutQ1?.task_id });
  }, 60_000); // two runs and six CLI calls: 5 s alone, over 30 s with the machine 10x oversubscribed
});

it('a run records the version lock as it stood (locked CLIs with their status, other installed ones unlocked)', async () => {
  const locked = new Workspace(hub.port);
  try {
    locked.backend('echoer', 'cat');
    fs.writeFileSync(
      path.join(locked.dir, 'mittelo.lock.json'),
      JSON.stringify({
        lock_version: 1,
        written_at: '2026-11-01T00:00:00.000Z',
        clis: [
          { name: 'claude_code', source: { type: 'npm', package: '@anthropic-ai/claude-code' }, version: '2.1.197', flags: ['--print'] },
          { name: 'codex', source: { type: 'npm', package: '@openai/codex' }, version: '0.100.0', flags: ['--json'] },
        ],
      }),
    );
    const r = await locked.run(['--prompt', 'hi', '--backend', 'echoer']);
    expect(r.code, r.stderr).toBe(0);
    const state = (await locked.show(r.runId)).run.lock_state;
    expect(state?.find((e) => e.cli === 'claude_code')).toEqual({ cli: 'claude_code', locked_version: '2.1.197', installed_version: '2.1.197', status: 'ok' });
    expect(state?.find((e) => e.cli === 'codex')).toEqual({ cli: 'codex', locked_version: '0.100.0', installed_version: '0.169.0', status: 'newer' });
    // The other fakes on PATH are installed but not locked.
    expect(state?.find((e) => e.cli === 'gemini')).toMatchObject({ locked_version: null, status: 'unlocked' });
  } finally {
    locked.remove();
  }
});

describe('no hub at the address', () => {
  it('mittelo run starts a hub in its own process on --db, and the run is in that database afterwards', async () => {
    const alone = new Workspace(await closedPort());
    try {
      alone.backend('echoer', 'cat');
      const r = await alone.cli(['run', '--prompt', 'on my own', '--backend', 'echoer', '--db', 'own.db', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`no hub at 127.0.0.1:${alone.port}; started one in this process on own.db`);
      const runId = (JSON.parse(r.stdout) as { run: RunInfo }).run.run_id;
      const reopened = await startTestHub({ dbPath: path.join(alone.dir, 'own.db') });
      try {
        expect(reopened.runs.get(runId).tasks.map((t) => [t.status, t.result])).toEqual([['done', 'on my own']]);
      } finally {
        await reopened.stop();
      }

      const refused = await alone.cli(['run', '--no-embedded', '--prompt', 'x', '--backend', 'echoer']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(`mittelo: hub unreachable at 127.0.0.1:${alone.port}`);
    } finally {
      alone.remove();
    }
  });
});

describe('mittelo run refuses before queueing anything', () => {
  async function refused(args: string[]): Promise<string> {
    const stats = hub.queue.stats();
    const runs = hub.runs.list({}).length;
    const result = await ws.cli(['run', '--no-embedded', ...args]);
    expect(result.code, result.stdout).not.toBe(0);
    expect(hub.queue.stats()).toEqual(stats);
    expect(hub.runs.list({}).length).toBe(runs);
    return result.stderr;
  }

  it('pair-smoke with one backend and system-test with two are clear errors', async () => {
    expect(await refused(['--preset', 'pair-smoke', '--backend', 'echoer'])).toContain('the pair-smoke preset runs two backends, got 1');
    expect(await refused(['--preset', 'system-test', '--backend', 'echoer', '--backend', 'shouter', '--prompt', 'hi'])).toContain('the system-test preset runs one backend, got 2');
    expect(await refused(['--preset', 'nightly', '--backend', 'echoer', '--prompt', 'hi'])).toContain('--preset must be one of');
  });

  it('an unknown backend fails before any task is queued, naming it', async () => {
    ws.pack('tiny', [{ prompt: 'hello' }]);
    const stderr = await refused(['--pack', 'tiny.jsonl', '--backend', 'echoer', '--backend', 'no_such_backend']);
    expect(stderr).toContain('unknown backend "no_such_backend"');
  });

  it('a bad pack line is reported as file:line, and nothing of the pack is queued', async () => {
    const file = path.join(ws.dir, 'broken.jsonl');
    fs.writeFileSync(file, ['{"prompt": "fine"}', '{"prompt": "also fine", "id": "ok"}', '{"prompt": oops}', '{"prompt": "never reached"}'].join('\n'));
    expect(await refused(['--pack', file, '--backend', 'echoer'])).toContain(`${file}:3: not valid JSON`);
    fs.writeFileSync(file, ['{"prompt": "fine"}', '', '{"prompt": "x", "expect": {"contains": 3}}'].join('\n'));
    expect(await refused(['--pack', file, '--backend', 'echoer'])).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: expect\\.contains`));
  });
});
