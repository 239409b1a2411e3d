/**
 * `mittelo run` end to end against a running hub, with the fake vendor CLIs: one backend that
 * answers, one that is not logged in, one that outlives the timeout, one that floods its output.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import { startTestHub } from '../helpers.js';
import { rollupOf, stopTestHub, Workspace } from '../runs-helpers.js';

let hub: RunningHub & { dbPath: string };
let ws: Workspace;

beforeAll(async () => {
  hub = await startTestHub();
  ws = new Workspace(hub.port);
  // claude comes straight from tests/fixtures/bin in its default mode (success); the others get
  // their mode from a wrapper. The flood is just past the runner's 10 MiB capture cap.
  ws.wrap('gemini', { FAKE_CLI_MODE: 'auth' });
  ws.wrap('codex', { FAKE_CLI_MODE: 'flood', FAKE_CLI_FLOOD_BYTES: String(10 * 1024 * 1024 + 512 * 1024) });
  ws.backend('sleepy', 'cat >/dev/null\nsleep 60\necho too late');
});

afterAll(async () => {
  await stopTestHub(hub);
  ws.remove();
});

it('a pack of 3 prompts on 4 backends records per-backend outcomes, failure classes, tokens and cost, and exits non-zero', async () => {
  const pack = ws.pack('mixed', [
    { id: 'one', prompt: 'first prompt' },
    { id: 'two', prompt: 'second prompt', expect: { contains: 'fake answer' } },
    { id: 'three', prompt: 'third prompt' },
  ]);
  const before = hub.queue.stats();
  const result = await ws.cli(['run', '--no-embedded', '--pack', pack, '--backend', 'claude_code', '--backend', 'gemini', '--backend', 'sleepy', '--backend', 'codex', '--timeout', '20', '--concurrency', '3'], {
    // Present in our environment, so it must not reach the CLIs' artifacts in clear text.
    ANTHROPIC_API_KEY: 'sk-ant-e2e-secret-0123456789',
  });
  expect(result.code, result.stderr).toBe(1);
  const runId = /^mittelo run: run (\S+): 12 task\(s\) on claude_code, gemini, sleepy, codex$/m.exec(result.stderr)?.[1];
  expect(runId, result.stderr).toBeDefined();

  // Progress on stderr: a line per backend with its counts (the last drawing is the finished run).
  const progress = result.stderr.split('\n');
  const last = (backend: string) => progress.filter((l) => l.startsWith(`${backend} `) && l.includes('[')).at(-1);
  // Drawn while the run went (at least once before its end), and once more when it finished.
  expect(progress.filter((l) => l.startsWith('claude_code [')).length).toBeGreaterThanOrEqual(2);
  expect(last('claude_code')).toMatch(/\[#+\] 3\/3 {2}done 3 {2}failed 0 {2}running 0$/);
  expect(last('gemini')).toMatch(/\[#+\] 3\/3 {2}done 0 {2}failed 3 {2}running 0$/);
  expect(last('sleepy')).toMatch(/\[#+\] 3\/3 {2}done 0 {2}failed 3 {2}running 0$/);
  expect(last('codex')).toMatch(/\[#+\] 3\/3 {2}done 0 {2}failed 3 {2}running 0$/);
  expect(result.stderr).toMatch(/^elapsed .*\(12\/12\)$/m);
  expect(result.stderr).toContain(`9 task(s) failed or failed their checks; see \`mittelo runs show ${runId}\``);

  const shown = await ws.show(runId ?? '');
  expect(shown.run).toMatchObject({ pack_name: 'mixed', preset: 'custom', backends: ['claude_code', 'gemini', 'sleepy', 'codex'], lock_state: null, baseline: false });
  expect(shown.run.finished_at).not.toBeNull();
  expect(shown.tasks).toHaveLength(12);

  const counts = (backend: string) => {
    const r = rollupOf(shown.rollups, backend);
    return { total: r.total, done: r.done, failed: r.failed, queued: r.queued, running: r.running, cancelled: r.cancelled };
  };
  expect(counts('claude_code')).toEqual({ total: 3, done: 3, failed: 0, queued: 0, running: 0, cancelled: 0 });
  for (const backend of ['gemini', 'sleepy', 'codex']) expect(counts(backend)).toEqual({ total: 3, done: 0, failed: 3, queued: 0, running: 0, cancelled: 0 });

  const classes = (backend: string) => shown.tasks.filter((t) => t.backend === backend).map((t) => t.artifact?.failure_class);
  expect(classes('claude_code')).toEqual([null, null, null]);
  expect(classes('gemini')).toEqual(['auth_required', 'auth_required', 'auth_required']);
  expect(classes('sleepy')).toEqual(['timeout', 'timeout', 'timeout']);
  expect(classes('codex')).toEqual(['bad_output', 'bad_output', 'bad_output']);
  for (const t of shown.tasks.filter((t) => t.backend === 'codex')) {
    expect(t.artifact?.stdout_truncated).toBe(true);
    expect(t.error).toContain('capture limit');
  }
  for (const t of shown.tasks.filter((t) => t.backend === 'sleepy')) expect(t.artifact?.latency_ms).toBeLessThan(30_000);
  const answered = shown.tasks.find((t) => t.backend === 'claude_code' && t.prompt_id === 'two');
  expect(answered).toMatchObject({ status: 'done', result: 'claude fake answer to: second prompt', pass: true });
  expect(answered?.checks).toEqual([{ check: 'contains "fake answer"', pass: true, detail: 'found', kind: 'contains', reason: 'the answer contains "fake answer"' }]);

  // The claude fake reports usage and cost; the others report nothing, which is null, not 0.
  const claude = rollupOf(shown.rollups, 'claude_code');
  expect(claude.input_tokens).toBeGreaterThan(0);
  expect(claude.output_tokens).toBeGreaterThan(0);
  expect(claude.cost_usd).toBeCloseTo(3 * 0.0123, 6);
  for (const backend of ['gemini', 'sleepy', 'codex']) {
    expect(rollupOf(shown.rollups, backend)).toMatchObject({ input_tokens: null, output_tokens: null, cost_usd: null });
  }
  expect(rollupOf(shown.rollups, null)).toMatchObject({ total: 12, done: 3, failed: 9, input_tokens: claude.input_tokens, output_tokens: claude.output_tokens });
  expect(rollupOf(shown.rollups, null).cost_usd).toBeCloseTo(3 * 0.0123, 6);
  // The human table reads as the app does (core/display.ts): 4 decimals under $1, the one dash for unreported.
  const table = (await ws.cli(['runs', 'show', runId ?? ''])).stdout;
  expect(table).toMatch(/^claude_code\s.*\s\$0\.0369\s*$/m);
  expect(table).toMatch(/^gemini\s.*\s—\s+—\s+—\s*$/m);

  expect(JSON.stringify(shown)).not.toContain('sk-ant-e2e-secret-0123456789');
  expect(hub.queue.stats().done - before.done).toBe(3);
}, 150_000); // 12 processes, three timing out after 20 s through the kill ladder and three flooding 10 MiB (which alone took over 6 s on a loaded 2-core machine): ~21 s quiet
