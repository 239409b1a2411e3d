/**
 * The contract's handlers through `dispatch` (what both bridges call), on a real app core: input
 * checked with the contract's schemas and refused in words naming the field, and each call's result.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_NAMES } from '../../core/api.js';
import { startTestApp, untilEvent, type TestApp } from '../app-helpers.js';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
  fs.writeFileSync(path.join(app.workspace, 'packs', 'two.jsonl'), ['{"id":"a","prompt":"alpha"}', '{"id":"b","prompt":"beta"}'].join('\n') + '\n');
});

afterAll(async () => {
  await app.remove();
});

async function finishedRun(pack: string, backends: string[]): Promise<string> {
  const { run_id } = await app.ok('runs.start', { pack, backends });
  await untilEvent(app, async () => {
    const record = await app.ok('runs.get', { run_id });
    return record.run.finished_at !== null ? record : undefined;
  });
  return run_id;
}

describe('refusals in words', () => {
  const cases: [string, unknown, RegExp][] = [
    ['tasks.enqueue', { prompt: '   ' }, /^Prompt must not be blank\.$/],
    ['tasks.enqueue', {}, /^Prompt is required\.$/],
    ['tasks.get', { task_id: 'seven' }, /^Task id should be a number\.$/],
    ['tasks.rows', { status: 'lost' }, /^Status must be one of "queued", "leased", "done", "failed", "cancelled"\.$/],
    ['runs.start', { pack: 'hello', backends: [] }, /^Backends needs at least 1\.$/],
    ['backends.configure', { name: 'echo', concurrency: 0 }, /^Concurrency must be at least 1\.$/],
    ['lock.write', {}, /^Confirm must be true\.$/],
    ['lock.write', { confirm: false }, /^Confirm must be true\.$/],
  ];
  for (const [name, input, message] of cases) {
    it(`${name} ${JSON.stringify(input)} is refused as bad_input naming the field`, async () => {
      const answer = await app.dispatch(name, input);
      expect(answer.ok).toBe(false);
      if (answer.ok) return;
      expect(answer.error.code).toBe('bad_input');
      expect(answer.error.message).toMatch(message);
      expect(answer.error.detail).toBeDefined();
    });
  }

  it('an unknown call, a missing task and an unknown backend are told apart', async () => {
    expect(await app.dispatch('tasks.delete', {})).toEqual({ ok: false, error: { code: 'unknown_call', message: 'The app has no call named "tasks.delete".' } });
    expect(await app.dispatch('tasks.get', { task_id: 999_999 })).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringMatching(/999999/) } });
    expect(await app.dispatch('agents.start', { backend: 'nope' })).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringMatching(/^Unknown backend "nope"/) } });
    expect(await app.dispatch('runs.start', { pack: 'missing', backends: ['echo'] })).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringMatching(/no pack named "missing"/) } });
    expect(await app.dispatch('runs.start', { pack: '../../etc/passwd', backends: ['echo'] })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await app.dispatch('runs.start', { pack: 'hello', backends: ['echo', 'echo'], preset: 'system-test' })).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringMatching(/system test runs one backend/) } });
  });

  it('the one-click system test on a workspace without the example pack says how to get it', async () => {
    const pack = path.join(app.workspace, 'packs', 'system.jsonl');
    const aside = `${pack}.aside`;
    if (fs.existsSync(pack)) fs.renameSync(pack, aside);
    try {
      expect(await app.dispatch('runs.startSystemTest', {})).toMatchObject({
        ok: false,
        error: { code: 'not_found', message: expect.stringMatching(/no example system-test pack .*copy packs\/system.jsonl and packs\/system\/ from mittelo into it/) },
      });
    } finally {
      if (fs.existsSync(aside)) fs.renameSync(aside, pack);
    }
  });

  it('every call of the contract has a handler (no call answers unknown_call)', async () => {
    for (const name of API_NAMES) {
      const answer = await app.dispatch(name, { __probe: true });
      if (!answer.ok) expect(answer.error.code, name).not.toBe('unknown_call');
    }
  });
});

describe('calls', () => {
  it('tasks: enqueue, rows with search, get with artifact, cancel, retry', async () => {
    const { task_id } = await app.ok('tasks.enqueue', { prompt: 'find the needle here', backend: 'nobody', priority: 5 });
    const { rows, stats } = await app.ok('tasks.rows', { search: 'NEEDLE' });
    expect(rows.map((r) => r.task_id)).toEqual([task_id]);
    expect(rows[0]).toMatchObject({ status: 'queued', backend: 'nobody', priority: 5, prompt_preview: 'find the needle here' });
    expect(stats.queued).toBeGreaterThanOrEqual(1);
    expect(await app.ok('tasks.get', { task_id })).toMatchObject({ task: { task_id, status: 'queued' }, artifact: null });
    expect((await app.ok('tasks.cancel', { task_id })).task.status).toBe('cancelled');
    expect(await app.ok('tasks.retry', {})).toEqual({ retried: 0 });
  });

  it('packs.list shows the workspace packs with their prompt counts', async () => {
    const { packs } = await app.ok('packs.list', {});
    expect(packs.find((p) => p.name === 'two')).toEqual({ name: 'two', path: path.join(app.workspace, 'packs', 'two.jsonl'), prompts: 2 });
    expect(packs.map((p) => p.name)).toContain('smoke');
  });

  it('compare.runs: a reason while there is no pair, then the latest run against the one before it', async () => {
    const none = await app.ok('compare.runs', { pack_name: 'two' });
    expect(none).toEqual({ comparison: null, reason: 'Pack "two" has not been run yet.' });
    const first = await finishedRun('two', ['echo']);
    expect((await app.ok('compare.runs', { pack_name: 'two' })).reason).toMatch(/only one run so far/);
    const second = await finishedRun('two', ['echo']);

    const latest = await app.ok('compare.runs', {});
    expect(latest.reason).toBeNull();
    expect(latest.comparison?.a.run_id).toBe(first);
    expect(latest.comparison?.b.run_id).toBe(second);
    expect(latest.comparison?.summary.counts.unchanged).toBe(2);
    const given = await app.ok('compare.runs', { run_b: second });
    expect(given.comparison?.a.run_id).toBe(first);
    const both = await app.ok('compare.runs', { run_a: second, run_b: first });
    expect(both.comparison?.a.run_id).toBe(second);
    expect((await app.ok('compare.runs', { run_b: first })).reason).toMatch(/first run of pack "two"/);

    const { prompts } = await app.ok('runs.prompts', { run_id: second });
    expect(prompts.map((p) => p.prompt_id)).toEqual(['a', 'b']);
    const side = await app.ok('runs.sideBySide', { run_id: second, prompt_id: 'a' });
    expect(side?.candidates.map((c) => c.answer)).toEqual(['echo:alpha']);
    const taskId = side?.candidates[0]?.task_id ?? 0;
    expect(await app.ok('runs.pick', { run_id: second, prompt_id: 'a', task_id: taskId })).toEqual({ ok: true, picks: { a: taskId } });
    expect(await app.ok('runs.baseline', { run_id: first })).toEqual({ ok: true, pack_name: 'two' });
    const { runs } = await app.ok('runs.list', { pack_name: 'two' });
    expect(runs.map((r) => [r.run.run_id, r.run.baseline])).toEqual([
      [second, false],
      [first, true],
    ]);
  });

  it('compare.exportHtml: the two runs as one self-contained HTML report, answers escaped; a missing run is not found', async () => {
    fs.writeFileSync(path.join(app.workspace, 'packs', 'marked.jsonl'), '{"id":"m","prompt":"<script>alert(1)</script>","expect":{"contains":"never"}}\n');
    const first = await finishedRun('marked', ['echo']);
    const second = await finishedRun('marked', ['echo']);
    const { filename, html } = await app.ok('compare.exportHtml', { run_a: first, run_b: second });
    expect(filename).toBe(`compare-${first}-vs-${second}.html`);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`<title>Compare ${first} → ${second}</title>`);
    expect(html).toContain("default-src 'none'");
    // The prompt and echo's answer are shown as text, never as markup.
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    // The same verdict as compare.runs gives for these two runs (a failing row present in both: no new failure).
    const shown = await app.ok('compare.runs', { run_a: first, run_b: second });
    expect(shown.comparison?.summary.counts.still_failing).toBe(1);
    expect(html).toMatch(/still failing/i);
    expect(await app.dispatch('compare.exportHtml', { run_a: first, run_b: 'no-such-run' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await app.dispatch('compare.exportHtml', { run_a: first })).toMatchObject({ ok: false, error: { code: 'bad_input', message: expect.stringMatching(/Run b/i) } });
  });

  it('backends: list with preflight and settings; configure writes mittelo.config.json and refuses a bad path', async () => {
    const { backends } = await app.ok('backends.list', {});
    const echo = backends.find((b) => b.name === 'echo');
    expect(echo).toMatchObject({ preflight: { status: 'ok', driver: 'echo' }, settings: { concurrency: 2, model: null, tool_policy: 'none', binary_path: null }, local_agent: null });
    expect(backends.map((b) => b.name)).toEqual(expect.arrayContaining(['claude_code', 'gemini', 'codex']));

    const file = path.join(app.workspace, 'mittelo.config.json');
    fs.writeFileSync(file, JSON.stringify({ comment: 'kept', backends: { gemini: { model: 'old' } } }));
    await app.ok('backends.configure', { name: 'echo', concurrency: 4, model: 'tiny', tool_policy: 'read-only' });
    await app.ok('backends.configure', { name: 'gemini', model: null });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ comment: 'kept', backends: { gemini: {}, echo: { concurrency: 4, model: 'tiny', tool_policy: 'read-only' } } });
    const listed = (await app.ok('backends.list', {})).backends.find((b) => b.name === 'echo');
    expect(listed?.settings).toEqual({ concurrency: 4, model: 'tiny', tool_policy: 'read-only', binary_path: null });

    // A path makes the app run that program: without the UI's confirmation nothing is written.
    const unconfirmed = await app.dispatch('backends.configure', { name: 'codex', binary_path: process.execPath });
    expect(unconfirmed).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringMatching(/will run .* for every codex prompt; confirm it first/) } });
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).backends.codex).toBeUndefined();
    const bad = await app.dispatch('backends.configure', { name: 'codex', binary_path: '/no/such/codex', confirm_binary_path: true });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_request', message: 'Binary path: /no/such/codex does not exist or is not a program this user can run.' } });
    const relative = await app.dispatch('backends.configure', { name: 'codex', binary_path: 'bin/codex', confirm_binary_path: true });
    expect(relative).toMatchObject({ ok: false, error: { message: expect.stringMatching(/full path/) } });
    await app.ok('backends.configure', { name: 'codex', binary_path: process.execPath, confirm_binary_path: true });
    // Clearing the path runs nothing new: no confirmation needed.
    await app.ok('backends.configure', { name: 'gemini', binary_path: null });
    const codex = (await app.ok('backends.list', {})).backends.find((b) => b.name === 'codex');
    expect(codex?.settings.binary_path).toBe(process.execPath);
  });

  it('backends: the shell backend’s command line is a required option, saved after a confirmation, and removed with null', async () => {
    const file = path.join(app.workspace, 'mittelo.config.json');
    const before = (await app.ok('backends.list', {})).backends.find((b) => b.name === 'shell');
    expect(before?.required_options).toEqual([{ key: 'shell_cmd', description: expect.stringContaining('command line'), value: null }]);
    expect(before?.preflight.status).toBe('fail');
    const unconfirmed = await app.dispatch('backends.configure', { name: 'shell', options: { shell_cmd: 'cat' } });
    expect(unconfirmed).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringMatching(/will run `cat` for every shell prompt; confirm it first/) } });
    await app.ok('backends.configure', { name: 'shell', options: { shell_cmd: ' cat ' }, confirm_binary_path: true });
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).backends.shell).toEqual({ options: { shell_cmd: 'cat' } });
    const after = (await app.ok('backends.list', {})).backends.find((b) => b.name === 'shell');
    expect(after?.required_options[0]?.value).toBe('cat');
    expect(after?.preflight.status).toBe('ok');
    await app.ok('backends.configure', { name: 'shell', options: { shell_cmd: null } });
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).backends.shell).toEqual({});
  });

  it('lock: no lock file means no report; writing needs confirm and then records this machine', async () => {
    expect(await app.ok('lock.check', {})).toEqual({ report: null });
    const written = await app.ok('lock.write', { confirm: true });
    expect(written.lock.lock_version).toBe(1);
    expect(fs.existsSync(path.join(app.workspace, 'mittelo.lock.json'))).toBe(true);
    const { report } = await app.ok('lock.check', {});
    expect(report?.lock_file).toBe(path.join(app.workspace, 'mittelo.lock.json'));
  });
});
