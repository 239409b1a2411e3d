/**
 * The Tasks page with 100,000 tasks, in Chromium against browser mode (`mittelo serve`): time to
 * first paint, time until the table's first rows show and a keyboard row move has answered
 * (interactive), a scroll through the whole table, and a jump to its end.
 *
 *   npm run build && node dist/scripts/bench/ui-tasks.js [--tasks 100000] [--runs 5] [--chromium /usr/bin/chromium]
 *
 * Each run opens a fresh browser context (empty cache) at `#/tasks`. Needs Debian's chromium
 * (apt-get install chromium); playwright-core drives it, no browser is downloaded.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { workspacePaths } from '../../core/app/workspace.js';
import { openDatabase } from '../../core/store/database.js';
import { percentile, processMemoryMiB } from './hub-process.js';
import { startServe, stopServe } from './serve-process.js';
import { benchArgs } from './bench-args.js';

const values = benchArgs(
  { name: 'ui-tasks', measures: 'the Tasks page in Chromium with 100,000 tasks: first paint, interactive, a scroll through the table, a jump to its end' },
  {
    tasks: { kind: 'number', default: 100000, help: 'tasks in the database' },
    runs: { kind: 'number', default: 5, help: 'page loads timed' },
    chromium: { kind: 'text', default: '/usr/bin/chromium', help: 'the Chromium to drive' },
  },
);
const TASKS = Number(values.tasks);
const RUNS = Number(values.runs);
const TARGET_MS = 1000;

function fillWorkspace(dir: string): number {
  const started = performance.now();
  const { dbPath } = workspacePaths(dir);
  fs.mkdirSync(path.dirname(dbPath), { recursive: true });
  const db = openDatabase(dbPath);
  // Prompts longer than the 120-character preview, so every row carries a full preview.
  db.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO tasks (prompt, status, priority, backend, run_id, result, error, worker_id, created_at, updated_at)
     SELECT 'Review the change in src/module_' || i || '.ts and list bugs, missing tests and unclear names; answer in short bullet points, please. Task ' || i,
            CASE WHEN i % 20 < 16 THEN 'done' WHEN i % 20 < 18 THEN 'failed' WHEN i % 20 = 18 THEN 'cancelled' ELSE 'queued' END,
            i % 3,
            CASE i % 3 WHEN 0 THEN 'echo' WHEN 1 THEN 'claude_code' ELSE NULL END,
            CASE WHEN i % 10 = 0 THEN 'run-' || (i / 1000) END,
            CASE WHEN i % 20 < 16 THEN 'answer ' || i END,
            CASE WHEN i % 20 IN (16, 17) THEN 'failed ' || i END,
            CASE WHEN i % 20 < 18 THEN 'worker-' || (i % 8) END,
            1.7e9 + i, 1.7e9 + i
     FROM n`,
  ).run(TASKS);
  db.close();
  return (performance.now() - started) / 1000;
}

interface RunFigures {
  first_paint_ms: number;
  first_contentful_paint_ms: number;
  rows_visible_ms: number;
  interactive_ms: number;
  key_response_ms: number;
  all_rows_ms: number;
  rows_request_ms: number;
  rows_response_kib: number;
  rows_shown: number;
  scroll_frames: number;
  scroll_frame_p50_ms: number;
  scroll_frame_p95_ms: number;
  scroll_frame_max_ms: number;
  end_key_ms: number;
  js_heap_mib: number;
}

/**
 * Presses a key on the focused table and waits (frame by frame) until the row at 1-based `position`
 * is painted as selected: the key's timestamp and that moment, both on the page's clock.
 */
async function pressAndWait(page: Page, key: string, position: number): Promise<{ pressedAt: number; selectedAt: number }> {
  await page.focus('[data-testid="task-table"]');
  await page.evaluate(() => {
    const grid = document.querySelector('[data-testid="task-table"]');
    grid?.addEventListener('keydown', (e) => grid.setAttribute('data-bench-key', String(e.timeStamp)), { once: true });
  });
  await page.keyboard.press(key);
  const selectedAt = await (
    await page.waitForFunction(
      (n) => document.querySelector(`[data-testid="task-table"] [aria-rowindex="${n + 1}"][aria-selected="true"]`) && performance.now(),
      position,
      { polling: 'raf', timeout: 10_000 },
    )
  ).jsonValue();
  const pressedAt = await page.evaluate(() => Number(document.querySelector('[data-testid="task-table"]')?.getAttribute('data-bench-key')));
  return { pressedAt, selectedAt: Number(selectedAt) };
}

async function measure(page: Page, url: string): Promise<RunFigures> {
  await page.goto(`${url}#/tasks`, { waitUntil: 'commit' });
  // Polled on every animation frame, so the time is when the first row was painted (± one frame).
  const rowsVisible = await (
    await page.waitForFunction(() => document.querySelector('[data-testid="task-table"] [aria-rowindex="2"]') && performance.now(), undefined, { polling: 'raf', timeout: 30_000 })
  ).jsonValue();
  // A keyboard row move right away: the table has the focus, ↓ selects the first task.
  const firstMove = await pressAndWait(page, 'ArrowDown', 1);
  // The newest rows come first; the rest follow in the background. Wait for all of them.
  const allRowsAt = await (
    await page.waitForFunction(() => /^[\d,]+ tasks?(?: \(|, newest)/.test(document.querySelector('.tasks-summary')?.textContent ?? '') && performance.now(), undefined, {
      polling: 'raf',
      timeout: 60_000,
    })
  ).jsonValue();
  const page1 = await page.evaluate(() => {
    const paints = Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]));
    // The second tasks.rows request is the whole list (the first one, the newest few hundred).
    const rows = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/api/call/tasks.rows'))[1] as PerformanceResourceTiming | undefined;
    const summary = document.querySelector('.tasks-summary')?.textContent ?? '';
    return {
      fp: paints['first-paint'] ?? NaN,
      fcp: paints['first-contentful-paint'] ?? NaN,
      rowsMs: rows ? rows.responseEnd - rows.startTime : NaN,
      rowsKiB: rows ? rows.encodedBodySize / 1024 : NaN,
      shown: Number((/^([\d,]+) task/.exec(summary)?.[1] ?? 'NaN').replace(/,/g, '')),
    };
  });

  // Scroll through all rows in 200 steps, one step per frame; record every frame's duration.
  const scroll = await page.evaluate(async () => {
    const grid = document.querySelector<HTMLElement>('[data-testid="task-table"]');
    if (!grid) throw new Error('no table');
    const frame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));
    const steps = 200;
    const frames: number[] = [];
    let last = await frame();
    for (let i = 1; i <= steps; i++) {
      grid.scrollTop = (grid.scrollHeight - grid.clientHeight) * (i / steps);
      const now = await frame();
      frames.push(now - last);
      last = now;
    }
    const lastRow = grid.querySelector('[role="row"][aria-rowindex]:last-child')?.getAttribute('aria-rowindex');
    return { frames, lastRowIndex: Number(lastRow) };
  });
  if (scroll.lastRowIndex !== page1.shown + 1) throw new Error(`scrolled to the end but the last row shown is ${scroll.lastRowIndex}, not ${page1.shown + 1}`);

  // End: from the first row to the last by keyboard.
  const end = await pressAndWait(page, 'End', page1.shown);
  const heap = await page.evaluate(() => (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? NaN);

  const sorted = [...scroll.frames].sort((a, b) => a - b);
  const round = (x: number) => Number(x.toFixed(1));
  return {
    first_paint_ms: round(page1.fp),
    first_contentful_paint_ms: round(page1.fcp),
    rows_visible_ms: round(Number(rowsVisible)),
    interactive_ms: round(firstMove.selectedAt),
    key_response_ms: round(firstMove.selectedAt - firstMove.pressedAt),
    all_rows_ms: round(Number(allRowsAt)),
    rows_request_ms: round(page1.rowsMs),
    rows_response_kib: Math.round(page1.rowsKiB),
    rows_shown: page1.shown,
    scroll_frames: sorted.length,
    scroll_frame_p50_ms: round(percentile(sorted, 50)),
    scroll_frame_p95_ms: round(percentile(sorted, 95)),
    scroll_frame_max_ms: round(sorted[sorted.length - 1] ?? NaN),
    end_key_ms: round(end.selectedAt - end.pressedAt),
    js_heap_mib: round(heap / 1024 / 1024),
  };
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-bench-ui-'));
const workspace = path.join(root, 'workspace');
const fillSeconds = fillWorkspace(workspace);
const serve = await startServe(workspace, path.join(root, 'config'));
const runs: RunFigures[] = [];
let serveRss: { rss: number; peak: number };
try {
  const browser = await chromium.launch({ executablePath: values.chromium, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      runs.push(await measure(page, serve.url));
      await context.close();
    }
  } finally {
    await browser.close();
  }
  serveRss = processMemoryMiB(serve.child.pid ?? 0);
} finally {
  await stopServe(serve.child);
}
fs.rmSync(root, { recursive: true, force: true });

const median = (key: keyof RunFigures) => percentile([...runs.map((r) => r[key])].sort((a, b) => a - b), 50);
const worst = (key: keyof RunFigures) => Math.max(...runs.map((r) => r[key]));
const report = {
  tasks: TASKS,
  runs: RUNS,
  fill_seconds: Number(fillSeconds.toFixed(1)),
  median: {
    first_contentful_paint_ms: median('first_contentful_paint_ms'),
    rows_visible_ms: median('rows_visible_ms'),
    interactive_ms: median('interactive_ms'),
    key_response_ms: median('key_response_ms'),
    all_rows_ms: median('all_rows_ms'),
    rows_request_ms: median('rows_request_ms'),
    scroll_frame_p95_ms: median('scroll_frame_p95_ms'),
    end_key_ms: median('end_key_ms'),
  },
  worst: { first_contentful_paint_ms: worst('first_contentful_paint_ms'), interactive_ms: worst('interactive_ms') },
  serve_rss_mib: { rss: Number(serveRss.rss.toFixed(1)), peak: Number(serveRss.peak.toFixed(1)) },
  each_run: runs,
  target_ms: TARGET_MS,
  target_met: worst('first_contentful_paint_ms') <= TARGET_MS && worst('interactive_ms') <= TARGET_MS,
};
console.log(JSON.stringify(report, null, 2));
if (runs.some((r) => r.rows_shown !== TASKS)) {
  console.error(`expected ${TASKS} rows in the table, saw ${runs.map((r) => r.rows_shown).join(', ')}`);
  process.exit(1);
}
