/** Two runs for the compare benchmarks (seeded): same base answers, noise among repeats, some prompts moved or failing more in B. */
import type { RunRecord, RunTask } from '../../core/runs/types.js';
import { seededRandom } from '../lib/random.js';

export interface BenchShape {
  prompts: number;
  backends: string[];
  repeats: number;
}

export const BENCH_BACKENDS = ['claude_code', 'gemini', 'codex', 'kimi', 'opencode'];

const WORDS = 'the a of to in for on with answer result value function returns list items sum total error check test case input output first then finally because so we it is'.split(' ');

function sentence(rnd: () => number, words: number): string {
  return Array.from({ length: words }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ') + '.';
}

/** One run: each prompt has a base answer per backend; repeats swap a word now and then; B moves some prompts and fails more on some. */
export function benchRun(runId: string, side: 'a' | 'b', seed: number, { prompts: PROMPTS, backends: BACKENDS, repeats: REPEATS }: BenchShape): RunRecord {
  const rnd = seededRandom(seed);
  const base = seededRandom(42); // the same base answers on both sides
  const tasks: RunTask[] = [];
  let id = side === 'a' ? 1 : 1_000_000;
  const answers = new Map<string, string>();
  for (let p = 0; p < PROMPTS; p++) for (const backend of BACKENDS) answers.set(`${p}/${backend}`, `${sentence(base, 12)} ${sentence(base, 20)} ${sentence(base, 10)}`);
  for (let r = 0; r < REPEATS; r++) {
    for (let p = 0; p < PROMPTS; p++) {
      for (const backend of BACKENDS) {
        let answer = answers.get(`${p}/${backend}`) as string;
        if (side === 'b' && p % 50 === 0) answer = `${sentence(rnd, 25)} ${answer.slice(0, 40)}`; // moved
        if (rnd() < 0.3) answer = answer.replace(/\bthe\b/, 'a'); // noise
        const passRate = side === 'b' && p % 97 === 0 ? 0.4 : 0.95;
        const ok = rnd() < passRate;
        tasks.push({
          task_id: id++,
          prompt_id: `p${p}`,
          prompt: `prompt number ${p}`,
          backend,
          repeat_index: r,
          status: 'done',
          result: answer,
          error: null,
          artifact: { backend, argv: [], env: {}, stdout: '', stderr: '', stdout_truncated: false, stderr_truncated: false, exit_code: 0, latency_ms: 800 + Math.round(rnd() * 900), cli_version: '1.0.0', model: null, input_tokens: 100, output_tokens: 40 + Math.round(rnd() * 20), cost_usd: 0.001 },
          expect: { contains: 'answer' },
          checks: [{ check: 'contains "answer"', pass: ok, detail: ok ? 'found' : 'not found in the answer' }],
          pass: ok,
        });
      }
    }
  }
  const now = 1_764_100_000;
  return {
    run: { run_id: runId, label: null, pack_name: 'bench', pack_path: null, preset: 'custom', backends: BACKENDS, repeat: REPEATS, created_at: now, finished_at: now + 60, host: 'bench', lock_state: null, baseline: false, picks: {} },
    tasks,
  };
}

