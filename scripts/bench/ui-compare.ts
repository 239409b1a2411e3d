/**
 * The Compare page on two runs of 1,000 prompts × 3 backends × 10 repeats (30,000 tasks each), in
 * Chromium against browser mode (`mittelo serve`): how long until the gate and the matrix show
 * (the comparison is computed by the server on load; the page asks for it without the pairs first,
 * then with them for the list below the matrix), then the interactions on the shown matrix:
 * switching to all prompts, opening a cell until its tries are painted, and closing it.
 *
 * The runs are imported as a finished run arrives (the hub keeps each one's compare record and B's
 * comparison with A, see core/compare/kept.ts), then the server starts: run 1 is the first load
 * after a start. --forget-kept empties what was kept before the start (as after an upgrade that
 * changed a format): run 1 then reads and compares both runs itself.
 *
 *   npm run build && node dist/scripts/bench/ui-compare.js [--prompts 1000] [--repeats 10] [--runs 3] [--forget-kept] [--chromium /usr/bin/chromium]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { workspacePaths } from '../../core/app/workspace.js';
import { TaskQueue } from '../../core/queue/queue.js';
import { RunService } from '../../core/runs/service.js';
import { openDatabase } from '../../core/store/database.js';
import { BENCH_BACKENDS, benchRun } from './compare-data.js';
import { percentile } from './hub-process.js';
import { startServe, stopServe } from './serve-process.js';
import { benchArgs } from './bench-args.js';

const values = benchArgs(
  { name: 'ui-compare', measures: 'the Compare page in Chromium on two runs of 30,000 tasks: time until the gate and matrix show, then its interactions' },
  {
    prompts: { kind: 'number', default: 1000, help: 'prompts per run' },
    repeats: { kind: 'number', default: 10, help: 'tries per prompt and backend' },
    runs: { kind: 'number', default: 3, help: 'page loads timed' },
    'forget-kept': { kind: 'flag', help: 'empty the kept compare records before the start (the first load compares itself)' },
    chromium: { kind: 'text', default: '/usr/bin/chromium', help: 'the Chromium to drive' },
  },
);
const shape = { prompts: Number(values.prompts), backends: BENCH_BACKENDS.slice(0, 3), repeats: Number(values.repeats) };
const RUNS = Number(values.runs);
const TARGET_MS = 1000;

/** The two runs imported (each import includes keeping its record, B's its comparison with A). */
function fillWorkspace(dir: string): { a: string; b: string; import_a_ms: number; import_b_ms: number } {
  const { dbPath } = workspacePaths(dir);
  fs.mkdirSync(path.dirname(dbPath), { recursive: true });
  const db = openDatabase(dbPath);
  const runs = new RunService(db, new TaskQueue(db, { leaseSeconds: 60 }));
  const recordA = benchRun('run-a', 'a', 1, shape);
  const recordB = benchRun('run-b', 'b', 2, shape);
  const start = performance.now();
  const a = runs.import(recordA).run_id;
  const between = performance.now();
  const b = runs.import(recordB).run_id;
  const end = performance.now();
  if (values['forget-kept']) db.exec('DELETE FROM run_records; DELETE FROM comparisons;');
  db.close();
  return { a, b, import_a_ms: Math.round(between - start), import_b_ms: Math.round(end - between) };
}

/** The moment (page clock) a selector first shows, polled every frame. */
async function shownAt(page: Page, selector: string, timeout = 60_000): Promise<number> {
  return Number(await (await page.waitForFunction((s) => document.querySelector(s) && performance.now(), selector, { polling: 'raf', timeout })).jsonValue());
}

/** Clicks, then waits (frame by frame) for `selector`: milliseconds from the click to its paint. */
async function clickUntil(page: Page, click: string, selector: string): Promise<number> {
  const before = Number(await page.evaluate(() => performance.now()));
  await page.click(click);
  return (await shownAt(page, selector, 30_000)) - before;
}

/** The "All prompts" chip pressed (its text varies with the count). */
async function allPromptsAt(page: Page): Promise<number> {
  const found = await page.waitForFunction(
    () => [...document.querySelectorAll('button.chip[aria-pressed="true"]')].some((b) => b.textContent?.startsWith('All prompts')) && performance.now(),
    undefined,
    { polling: 'raf', timeout: 30_000 },
  );
  return Number(await found.jsonValue());
}

interface Figures {
  gate_shown_ms: number;
  matrix_shown_ms: number;
  /** The first compare.runs call (without the pairs: gate and matrix). */
  compare_request_ms: number;
  compare_response_kib: number;
  /** The pair list (second compare.runs call, with the pairs) shown after navigation. */
  pairs_shown_ms: number;
  pairs_response_kib: number;
  all_prompts_ms: number;
  open_cell_ms: number;
  close_cell_ms: number;
}

async function measure(page: Page, url: string, a: string, b: string): Promise<Figures> {
  await page.goto(`${url}#/compare?a=${a}&b=${b}`, { waitUntil: 'commit' });
  const gate = await shownAt(page, '[data-testid="gate"]');
  const matrix = await shownAt(page, '[data-testid="matrix-cell"]');
  const pairs = await shownAt(page, '#pairs-heading');
  const [request, pairsRequest] = await page.evaluate(() =>
    (performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/api/call/compare.runs')) as PerformanceResourceTiming[]).map((entry) => ({ ms: entry.responseEnd - entry.startTime, kib: entry.encodedBodySize / 1024 })),
  );
  if (!request || !pairsRequest) throw new Error('expected two compare.runs calls (matrix first, then the pairs)');
  const clicked = Number(await page.evaluate(() => performance.now()));
  await page.click('button.chip:has-text("All prompts")');
  const allPrompts = (await allPromptsAt(page)) - clicked;
  const open = await clickUntil(page, '[data-testid="matrix-cell"][data-verdict="regressed"]', '[data-testid="try"]');
  const before = Number(await page.evaluate(() => performance.now()));
  await page.click('[data-testid="row-detail"] button:has-text("Close")');
  const closed = Number(await (await page.waitForFunction(() => !document.querySelector('[data-testid="row-detail"]') && performance.now(), undefined, { polling: 'raf' })).jsonValue());
  const round = (x: number) => Number(x.toFixed(1));
  return {
    gate_shown_ms: round(gate),
    matrix_shown_ms: round(matrix),
    compare_request_ms: round(request.ms),
    compare_response_kib: Math.round(request.kib),
    pairs_shown_ms: round(pairs),
    pairs_response_kib: Math.round(pairsRequest.kib),
    all_prompts_ms: round(allPrompts),
    open_cell_ms: round(open),
    close_cell_ms: round(closed - before),
  };
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-bench-compare-ui-'));
const workspace = path.join(root, 'workspace');
const [loadBefore = 0] = os.loadavg();
const { a, b, import_a_ms, import_b_ms } = fillWorkspace(workspace);
const serve = await startServe(workspace, path.join(root, 'config'));
const runs: Figures[] = [];
try {
  const browser = await chromium.launch({ executablePath: values.chromium, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      runs.push(await measure(page, serve.url, a, b));
      await context.close();
    }
  } finally {
    await browser.close();
  }
} finally {
  await stopServe(serve.child);
  fs.rmSync(root, { recursive: true, force: true });
}

const median = (key: keyof Figures) => percentile([...runs.map((r) => r[key])].sort((x, y) => x - y), 50);
const worst = (key: keyof Figures) => Math.max(...runs.map((r) => r[key]));
const interactions: (keyof Figures)[] = ['all_prompts_ms', 'open_cell_ms', 'close_cell_ms'];
const report = {
  tasks_per_run: shape.prompts * shape.backends.length * shape.repeats,
  runs: RUNS,
  kept_before_start: !values['forget-kept'],
  /** Importing each run, keeping its record (and for B the comparison with A) included. */
  import_a_ms,
  import_b_ms,
  load_average: [loadBefore, os.loadavg()[0] ?? 0].map((x) => Number(x.toFixed(1))),
  median: Object.fromEntries((Object.keys(runs[0] ?? {}) as (keyof Figures)[]).map((k) => [k, median(k)])),
  each_run: runs,
  target_ms: TARGET_MS,
  /** The matrix answers every interaction within the target once shown. */
  interactive_target_met: interactions.every((k) => worst(k) <= TARGET_MS),
  /** Every load, the first after the server started included. */
  matrix_shown_within_target: worst('matrix_shown_ms') <= TARGET_MS,
};
console.log(JSON.stringify(report, null, 2));
