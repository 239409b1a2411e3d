/**
 * Per (prompt, backend): every repeat of each side pooled into pass counts, pass@k / pass^k, a
 * significance test on the pass rates and on each check's, latency / tokens / cost distributions,
 * how far the answers moved beyond their own spread, and one verdict with its reasons in words.
 */
import type { RunTask } from '../runs/types.js';
import { isOk, type PairOutline, type TaskPair } from './pair.js';
import { DistanceCache, movement } from './similarity.js';
import { fisherDropPValue, mannWhitney, passAtK, passHatK, quantile, wilsonInterval } from './stats.js';
import type { CheckTrend, PairCategory, Distribution, DistributionDelta, GatePolicy, PromptRow, RowSide, RowVerdict } from './types.js';

/** With a spread to judge by, answers must move this much (normalised distance) beyond it to count as changed. */
export const CHANGE_MARGIN = 0.05;

interface Group {
  key: string;
  prompt_id: string;
  prompt: string;
  backend: string;
  a: RunTask[];
  b: RunTask[];
  pair_keys: string[];
}

export function rowKey(promptId: string, backend: string): string {
  return `${promptId}\u0000${backend}`;
}

/** Tasks grouped by (prompt, backend); A's prompt ids renamed to B's where the pairing matched by text. */
function groups(pairs: TaskPair[], compared: PairOutline[]): Group[] {
  const renamed = new Map<string, string>();
  for (const pair of pairs) if (pair.matched_by === 'text' && pair.a && pair.b) renamed.set(rowKey(pair.a.prompt_id, pair.a.backend), pair.b.prompt_id);
  const byKey = new Map<string, Group>();
  const groupOf = (task: RunTask): Group => {
    const promptId = renamed.get(rowKey(task.prompt_id, task.backend)) ?? task.prompt_id;
    const key = rowKey(promptId, task.backend);
    let group = byKey.get(key);
    if (!group) {
      group = { key, prompt_id: promptId, prompt: task.prompt, backend: task.backend, a: [], b: [], pair_keys: [] };
      byKey.set(key, group);
    }
    return group;
  };
  pairs.forEach((pair, i) => {
    const anchor = pair.b ?? pair.a;
    if (!anchor) return;
    const group = groupOf(pair.a ?? anchor);
    if (pair.a) group.a.push(pair.a);
    if (pair.b) {
      group.b.push(pair.b);
      group.prompt = pair.b.prompt;
    }
    const key = compared[i]?.key;
    if (key) group.pair_keys.push(key);
  });
  return [...byKey.values()];
}

function side(tasks: RunTask[], k: number): RowSide | null {
  if (tasks.length === 0) return null;
  const passes = tasks.filter(isOk).length;
  return {
    n: tasks.length,
    passes,
    rate: passes / tasks.length,
    interval: wilsonInterval(passes, tasks.length).map((v) => Math.round(v * 1000) / 1000) as [number, number],
    pass_at_k: passAtK(tasks.length, passes, k),
    pass_hat_k: passHatK(tasks.length, passes, k),
    task_ids: tasks.map((t) => t.task_id),
  };
}

function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((x, y) => x - y);
  return { n: sorted.length, median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) };
}

function reported(tasks: RunTask[], read: (task: RunTask) => number | null | undefined): number[] {
  return tasks.map(read).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

function distributionDelta(a: RunTask[], b: RunTask[], read: (task: RunTask) => number | null | undefined): DistributionDelta {
  const valuesA = reported(a, read);
  const valuesB = reported(b, read);
  const da = distribution(valuesA);
  const db = distribution(valuesB);
  return {
    a: da,
    b: db,
    median_delta: da.median === null || db.median === null ? null : Number((db.median - da.median).toPrecision(12)),
    p_value: mannWhitney(valuesA, valuesB).p,
  };
}

/** A significant drop from `a` to `b` (or, with one try a side, any pass → fail). */
function dropped(passA: number, nA: number, passB: number, nB: number, policy: GatePolicy): { significant: boolean; p: number } {
  const p = fisherDropPValue(passA, nA, passB, nB);
  if (nA === 1 && nB === 1) return { significant: passA === 1 && passB === 0, p };
  return { significant: p <= policy.alpha && passA / nA - passB / nB > policy.max_pass_rate_drop, p };
}

function checkTrends(a: RunTask[], b: RunTask[], policy: GatePolicy): CheckTrend[] {
  const tally = (tasks: RunTask[]) => {
    const map = new Map<string, { passes: number; n: number; detail: string | null }>();
    for (const task of tasks) {
      for (const check of task.checks) {
        const entry = map.get(check.check) ?? { passes: 0, n: 0, detail: null };
        entry.n++;
        if (check.pass) entry.passes++;
        else entry.detail ??= check.reason ?? check.detail;
        map.set(check.check, entry);
      }
    }
    return map;
  };
  const before = tally(a);
  const after = tally(b);
  const trends: CheckTrend[] = [];
  for (const [check, now] of after) {
    const then = before.get(check);
    if (!then) continue; // a check added since A compares with nothing
    const { significant, p } = dropped(then.passes, then.n, now.passes, now.n, policy);
    trends.push({ check, a_passes: then.passes, a_n: then.n, b_passes: now.passes, b_n: now.n, p_value: p, regressed: significant, detail: now.detail });
  }
  return trends;
}

const pct = (rate: number) => `${Math.round(rate * 100)}%`;
const pValue = (p: number) => (p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`);
const counts = (s: RowSide) => `${s.passes}/${s.n}`;
/** Some tries passed and some failed. */
export const mixed = (s: RowSide) => s.passes > 0 && s.passes < s.n;

/** For one try a side, its pair; else the first pair that fell (or improved, for an improved row), else one that moved, else the first. */
function pickExample(verdict: RowVerdict, keys: string[], pairs: Map<string, PairOutline>): string | null {
  const mine = keys.map((key) => pairs.get(key)).filter((p): p is PairOutline => p !== undefined);
  const wanted: PairCategory[] = verdict === 'improved' ? ['fixed'] : ['new_failure', 'changed', 'still_failing', 'fixed'];
  for (const category of wanted) {
    const found = mine.find((p) => p.category === category);
    if (found) return found.key;
  }
  return mine[0]?.key ?? null;
}

function judge(group: Group, policy: GatePolicy, cache: DistanceCache, pairs: Map<string, PairOutline>): PromptRow {
  const k = Math.max(1, Math.min(group.a.length || Infinity, group.b.length || Infinity));
  const a = side(group.a, k);
  const b = side(group.b, k);
  const answers = (tasks: RunTask[]) => tasks.filter((t) => t.result !== null && t.status === 'done').map((t) => t.result as string);
  const moved = movement(answers(group.a), answers(group.b), cache);
  const checks = a && b ? checkTrends(group.a, group.b, policy) : [];
  const why: string[] = [];
  let verdict: RowVerdict;
  let pDrop: number | null = null;
  let pGain: number | null = null;
  let rateRegressed = false;
  if (!a || !b) {
    verdict = a ? 'only-in-a' : 'only-in-b';
    const only = (a ?? b) as RowSide;
    why.push(`ran only in ${a ? 'A' : 'B'}: passed ${counts(only)}`);
  } else {
    const drop = dropped(a.passes, a.n, b.passes, b.n, policy);
    const gain = dropped(b.passes, b.n, a.passes, a.n, policy);
    pDrop = drop.p;
    rateRegressed = drop.significant;
    pGain = gain.p;
    const regressedChecks = checks.filter((c) => c.regressed);
    const single = a.n === 1 && b.n === 1;
    const rates = `passed ${counts(a)} (${pct(a.rate)}) in A, ${counts(b)} (${pct(b.rate)}) in B`;
    if (drop.significant || regressedChecks.length > 0) {
      verdict = 'regressed';
      if (drop.significant) why.push(`${rates}; ${single ? 'one try a side, so any failure counts (repeat the run to judge noise)' : `drop significant: ${pValue(drop.p)} ≤ alpha ${policy.alpha}`}`);
      for (const c of regressedChecks) why.push(`check ${c.check} passed ${c.a_passes}/${c.a_n} in A, ${c.b_passes}/${c.b_n} in B${c.detail ? ` (${c.detail})` : ''}${c.a_n > 1 || c.b_n > 1 ? `; ${pValue(c.p_value)}` : ''}`);
    } else if (gain.significant) {
      verdict = 'improved';
      why.push(`${rates}; ${single ? 'one try a side' : `gain significant: ${pValue(gain.p)}`}`);
    } else if (a.rate !== b.rate || mixed(a) || mixed(b)) {
      verdict = 'flaky';
      const where = mixed(a) && mixed(b) ? 'A and B' : mixed(a) ? 'A' : mixed(b) ? 'B' : null;
      why.push(`${rates}; ${where ? `mixed results in ${where}` : 'rates differ'}, ${a.rate > b.rate ? `drop not significant (${pValue(drop.p)})` : b.rate > a.rate ? `gain not significant (${pValue(gain.p)})` : 'same rate'}`);
    } else if (b.passes === 0) {
      verdict = 'stable-fail';
      why.push(`failed every try on both sides (${counts(a)}, ${counts(b)})`);
    } else {
      const margin = moved && moved.floor > 0 ? CHANGE_MARGIN : 0;
      if (moved && moved.beyond > margin) {
        verdict = 'changed';
        why.push(`answers moved ${moved.between.toFixed(2)} apart, ${moved.beyond.toFixed(2)} beyond their own spread (${moved.floor.toFixed(2)})`);
      } else {
        verdict = 'stable-pass';
      }
    }
  }
  return {
    key: group.key,
    prompt_id: group.prompt_id,
    prompt: group.prompt,
    backend: group.backend,
    verdict,
    rate_regressed: rateRegressed,
    a,
    b,
    k,
    p_drop: pDrop,
    p_gain: pGain,
    movement: moved,
    checks,
    latency_ms: distributionDelta(group.a, group.b, (t) => t.artifact?.latency_ms),
    output_tokens: distributionDelta(group.a, group.b, (t) => t.artifact?.output_tokens),
    cost_usd: distributionDelta(group.a, group.b, (t) => t.artifact?.cost_usd),
    why,
    gating: false,
    pair_keys: group.pair_keys,
    example_pair: pickExample(verdict, group.pair_keys, pairs),
  };
}

const VERDICT_ORDER: Record<RowVerdict, number> = { regressed: 0, 'only-in-b': 1, flaky: 2, changed: 3, improved: 4, 'only-in-a': 5, 'stable-fail': 6, 'stable-pass': 7 };

/** Rows most urgent first: regressed (smallest p first), then by how far the answers moved beyond their spread. */
export function promptRows(pairs: TaskPair[], compared: PairOutline[], policy: GatePolicy): PromptRow[] {
  const cache = new DistanceCache();
  const byKey = new Map(compared.map((pair) => [pair.key, pair]));
  const rows = groups(pairs, compared).map((group) => judge(group, policy, cache, byKey));
  return rows.sort(
    (x, y) =>
      VERDICT_ORDER[x.verdict] - VERDICT_ORDER[y.verdict] ||
      (x.verdict === 'regressed' ? (x.p_drop ?? 1) - (y.p_drop ?? 1) : 0) ||
      (y.movement?.beyond ?? 0) - (x.movement?.beyond ?? 0),
  );
}
