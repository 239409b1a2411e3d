/**
 * The CI gate: fails on significant regressions and check regressions (rows.ts), and on what a
 * row-by-row comparison cannot see: a new prompt that fails, a backend A ran and B did not, runs of
 * different packs, too few repeats for the policy, and (unless allowed) prompts turned flaky.
 */
import type { RunRecord } from '../runs/types.js';
import { mixed } from './rows.js';
import type { Gate, GateFinding, GatePolicy, PromptRow } from './types.js';

/** Flaky prompts warned about one by one; more become one warning. */
const FLAKY_LISTED = 5;

const shortList = (items: string[], max = 5) => (items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`);

export function evaluateGate(a: RunRecord, b: RunRecord, rows: PromptRow[], policy: GatePolicy, policySource: string): Gate {
  const failures: GateFinding[] = [];
  const warnings: GateFinding[] = [];
  const fail = (finding: GateFinding, row?: PromptRow) => {
    failures.push(finding);
    if (row) row.gating = true;
  };

  if (a.run.pack_name !== b.run.pack_name) {
    fail({ kind: 'different_packs', row_key: null, text: `A ran pack "${a.run.pack_name}" and B pack "${b.run.pack_name}": their prompts are not like for like` });
  }

  const backendsA = new Set(a.tasks.map((t) => t.backend));
  const backendsB = new Set(b.tasks.map((t) => t.backend));
  const dropped = [...backendsA].filter((backend) => !backendsB.has(backend));
  for (const backend of dropped) {
    const tasks = a.tasks.filter((t) => t.backend === backend).length;
    fail({ kind: 'backend_dropped', row_key: null, text: `backend ${backend} ran ${tasks} task(s) in A and none in B` });
  }

  const droppedPrompts = new Map<string, string[]>();
  const flakyWarnings: GateFinding[] = [];
  for (const row of rows) {
    const why = row.why.join('; ');
    const where = `${row.prompt_id} on ${row.backend}`;
    if (row.verdict === 'regressed') {
      fail({ kind: row.rate_regressed ? 'regressed' : 'check_regression', row_key: row.key, text: `${where}: ${why}` }, row);
    } else if (row.verdict === 'only-in-b' && row.b && row.b.passes < row.b.n) {
      fail({ kind: 'new_prompt_fails', row_key: row.key, text: `${where} is not in A and fails in B (passed ${row.b.passes}/${row.b.n})` }, row);
    } else if (row.verdict === 'only-in-a' && backendsB.has(row.backend)) {
      droppedPrompts.set(row.backend, [...(droppedPrompts.get(row.backend) ?? []), row.prompt_id]);
    } else if (row.verdict === 'flaky' && row.a && row.b && row.a.passes === row.a.n && mixed(row.b)) {
      const finding = { kind: 'flaky' as const, row_key: row.key, text: `${where} passed every try in A and is flaky in B: ${why}` };
      if (policy.allow_flaky) flakyWarnings.push(finding);
      else fail(finding, row);
    }
  }
  // Many flaky prompts are one warning, not a wall of them (each row says it again below).
  if (flakyWarnings.length > FLAKY_LISTED) {
    const names = flakyWarnings.map((f) => rows.find((row) => row.key === f.row_key)).map((row) => (row ? `${row.prompt_id} on ${row.backend}` : '?'));
    warnings.push({ kind: 'flaky', row_key: null, text: `${flakyWarnings.length} prompts passed every try in A and are flaky in B: ${shortList(names)}` });
  } else warnings.push(...flakyWarnings);
  for (const [backend, prompts] of droppedPrompts) {
    warnings.push({ kind: 'prompts_dropped', row_key: null, text: `${prompts.length} prompt(s) of A did not run in B on ${backend}: ${shortList(prompts)}` });
  }

  if (policy.min_repeats > 1) {
    const short = rows.filter((row) => (row.a !== null && row.a.n < policy.min_repeats) || (row.b !== null && row.b.n < policy.min_repeats));
    if (short.length > 0) {
      const fewest = Math.min(...short.flatMap((row) => [row.a?.n ?? Infinity, row.b?.n ?? Infinity]));
      fail({ kind: 'too_few_repeats', row_key: null, text: `the policy asks for at least ${policy.min_repeats} tries per prompt and side; ${short.length} row(s) have fewer (as few as ${fewest}): run with --repeat ${policy.min_repeats}` });
    }
  }
  return { pass: failures.length === 0, policy, policy_source: policySource, failures, warnings };
}
