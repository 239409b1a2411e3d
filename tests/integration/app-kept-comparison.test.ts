/**
 * The Compare page after the app restarts: the comparison kept when the newer run settled is read
 * from the database (not computed from both runs again), its first screen is smaller, and a matrix
 * cell and its history still open. Real app core, real hub, real SQLite file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { workspacePaths } from '../../core/app/workspace.js';
import { openDatabase } from '../../core/store/database.js';
import { startTestApp, untilEvent, type TestApp } from '../app-helpers.js';
import { tempDir } from '../helpers.js';

const root = tempDir('mittelo-kept-comparison-');
let app: TestApp | null = null;

afterEach(async () => {
  await app?.remove();
  app = null;
});

async function finishedRun(running: TestApp, pack: string): Promise<string> {
  const { run_id } = await running.ok('runs.start', { pack, backends: ['echo'] });
  await untilEvent(running, async () => {
    const record = await running.ok('runs.get', { run_id });
    return record.run.finished_at !== null ? record : undefined;
  });
  return run_id;
}

it('a restarted app reads the kept comparison; the first screen leaves out pair keys and task ids; a cell still opens', async () => {
  const options = { workspace: path.join(root, 'workspace'), configDir: path.join(root, 'config') };
  const first = await startTestApp(options, root);
  fs.writeFileSync(path.join(first.workspace, 'packs', 'two.jsonl'), '{"id":"a","prompt":"alpha","expect":{"contains":"alpha"}}\n{"id":"b","prompt":"beta"}\n');
  const a = await finishedRun(first, 'two');
  const b = await finishedRun(first, 'two');
  await first.ok('runs.list', {}); // the Runs page: the first read of B after it settled
  const shown = await first.ok('compare.runs', { pairs: false });
  expect([shown.comparison?.a.run_id, shown.comparison?.b.run_id]).toEqual([a, b]);
  expect(shown.comparison?.rows.every((row) => row.pair_keys.length === 0 && row.b?.task_ids.length === 0)).toBe(true);
  expect(shown.comparison?.pairs).toEqual([]);
  const whole = await first.ok('compare.runs', { pairs: true });
  expect(whole.comparison?.rows.every((row) => row.pair_keys.length === 1 && row.b?.task_ids.length === 1)).toBe(true);
  expect(whole.comparison?.pairs).toHaveLength(2);
  await first.stop();

  // Marked in the database: only an app that reads the kept comparison shows the mark.
  const db = openDatabase(workspacePaths(options.workspace).dbPath);
  const marked = db.prepare("UPDATE comparisons SET head = replace(head, '\"policy_source\":\"defaults\"', '\"policy_source\":\"KEPT\"') WHERE run_a = ? AND run_b = ?").run(a, b);
  db.close();
  expect(marked.changes).toBe(1);

  app = await startTestApp(options, root);
  const again = await app.ok('compare.runs', { run_a: a, run_b: b, pairs: false });
  expect(again.comparison?.gate.policy_source).toBe('KEPT');
  expect(again.comparison?.summary).toEqual(shown.comparison?.summary);
  const withPairs = await app.ok('compare.runs', { run_a: a, run_b: b, pairs: true });
  expect(withPairs.comparison?.pairs).toEqual(whole.comparison?.pairs);
  const row = await app.ok('compare.row', { run_a: a, run_b: b, prompt_id: 'a', backend: 'echo' });
  expect(row.pairs).toHaveLength(1);
  expect(row.row?.verdict).toBe('stable-pass');
  const history = await app.ok('compare.history', { pack_name: 'two', prompt_id: 'a', backend: 'echo' });
  expect(history.points.map((p) => p.run_id)).toEqual([a, b]);
});
