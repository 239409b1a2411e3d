/**
 * System tests: the per-task overhead Mittelo adds around the agent for a fixture of N files
 * (default 1,000 files of ~1.5 KiB in 20 folders): writing the fixture into a fresh workdir, the
 * workdir's diff against the fixture after an agent-like edit (10 changed, 5 added, 5 deleted), and
 * looking for writes outside the workdir, and running a check (`true`, so the figure is the runner's
 * spawn and containment, not a test suite), confined to the workdir where the machine allows it.
 * Target: <= 300 ms per task. Reading the fixture into its snapshot (once per pack) is shown apart.
 *
 *   node dist/scripts/bench/system-test.js [--files 1000] [--runs 15] [--target-ms 300]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readFixture } from '../../core/runs/fixture.js';
import { prepareWorkdir, writesOutside } from '../../core/agent/workdirs.js';
import { diffWorkspace } from '../../core/agent/workspace-diff.js';
import { isolationFor, runWorkspaceCheck } from '../../core/agent/system-test.js';
import { benchArgs } from './bench-args.js';

const values = benchArgs(
  { name: 'system-test', measures: 'per-task overhead of a system test around the agent: fixture written, workdir diffed, outside writes looked for, check run' },
  {
    files: { kind: 'number', default: 1000, help: 'files in the fixture' },
    runs: { kind: 'number', default: 15, help: 'timed tasks' },
    'target-ms': { kind: 'number', default: 300, help: 'the median per task must stay under this' },
  },
);
const FILES = Number(values.files);
const RUNS = Number(values.runs);
const TARGET = Number(values['target-ms']);

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-bench-systest-'));
const fixtureDir = path.join(root, 'fixture');
for (let i = 0; i < FILES; i++) {
  const file = path.join(fixtureDir, `dir${i % 20}`, `file${i}.js`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Array.from({ length: 40 }, (_, line) => `export const value${line} = ${i * 100 + line}; // line ${line}`).join('\n') + '\n');
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

let t = process.hrtime.bigint();
const snapshot = readFixture('fixture', root, 'bench');
const snapshotMs = ms(t);

/** The floor: the same files written by a bare loop (what creating 1,000 files costs on this disk at all). */
const floor: number[] = [];
for (let run = 0; run < Math.min(RUNS, 5); run++) {
  const dir = path.join(root, `floor${run}`);
  const t0 = process.hrtime.bigint();
  for (const file of snapshot.files) {
    if (!('base64' in file)) continue;
    fs.mkdirSync(path.dirname(path.join(dir, file.path)), { recursive: true });
    fs.writeFileSync(path.join(dir, file.path), Buffer.from(file.base64, 'base64'));
  }
  floor.push(ms(t0));
  fs.rmSync(dir, { recursive: true, force: true });
}

const phases = { copy: [] as number[], diff: [] as number[], detect: [] as number[], check: [] as number[], total: [] as number[] };
let mode = '';
/** CPU time of this process for copy + diff (the check's own process is not in it): the cost without the machine's load. */
const cpu: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const start = process.hrtime.bigint();
  let cpuStart = process.cpuUsage();
  let cpuMs = 0;
  t = start;
  const prepared = await prepareWorkdir(path.join(root, 'workdirs'), `run${run}`, run, snapshot);
  phases.copy.push(ms(t));
  cpuMs += (process.cpuUsage(cpuStart).user + process.cpuUsage(cpuStart).system) / 1000;
  // The agent's part (not measured): a small edit, as a fix touches a few files.
  for (let i = 0; i < 10; i++) fs.appendFileSync(path.join(prepared.workdir, `dir${i % 20}`, `file${i}.js`), '// edited\n');
  for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(prepared.workdir, `new${i}.js`), 'export {};\n');
  for (let i = 0; i < 5; i++) fs.rmSync(path.join(prepared.workdir, `dir${(20 + i) % 20}`, `file${20 + i}.js`));
  t = process.hrtime.bigint();
  cpuStart = process.cpuUsage();
  const diff = await diffWorkspace(snapshot, prepared.workdir);
  phases.diff.push(ms(t));
  const used = process.cpuUsage(cpuStart);
  cpu.push(cpuMs + (used.user + used.system) / 1000);
  if (diff.files.length !== 20) throw new Error(`expected 20 changed files, got ${diff.files.length}`);
  t = process.hrtime.bigint();
  // Not contained, the most work: the finished siblings' workdirs are looked at too.
  const outside = writesOutside(prepared, { siblings: true });
  phases.detect.push(ms(t));
  if (outside.length !== 0) throw new Error(`expected nothing outside, got ${JSON.stringify(outside)}`);
  const isolation = isolationFor(prepared);
  mode = `${isolation.mode} (${isolation.detail})`;
  t = process.hrtime.bigint();
  const check = await runWorkspaceCheck('true', prepared.workdir, 'any', isolation.confine ? { confine: isolation.confine } : {});
  phases.check.push(ms(t));
  if (!check.pass) throw new Error(`check failed: ${check.reason}`);
  phases.total.push((phases.copy.at(-1) ?? 0) + (phases.diff.at(-1) ?? 0) + (phases.detect.at(-1) ?? 0) + (phases.check.at(-1) ?? 0));
  fs.rmSync(prepared.taskDir, { recursive: true, force: true });
}

console.log(`fixture: ${FILES} files, ${(snapshot.files.reduce((n, f) => n + ('base64' in f ? f.base64.length * 0.75 : 0), 0) / 1024).toFixed(0)} KiB; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`snapshot (once per pack):   ${snapshotMs.toFixed(1)} ms`);
console.log(`workdir: ${mode}`);
for (const [name, xs] of Object.entries(phases)) console.log(`${`${name} per task`.padEnd(27)} median ${median(xs).toFixed(1)} ms  (max ${Math.max(...xs).toFixed(1)})`);
console.log(`floor: bare write loop      median ${median(floor).toFixed(1)} ms  (the same files without Mittelo)`);
console.log(`CPU of copy + diff       median ${median(cpu).toFixed(1)} ms  (this process; the wall times above include waiting for the CPU on a loaded machine)`);
const verdict = median(phases.total) <= TARGET;
console.log(`${verdict ? 'OK' : 'OVER'}: median ${median(phases.total).toFixed(1)} ms per task, target ${TARGET} ms`);
fs.rmSync(root, { recursive: true, force: true });
if (!verdict) process.exitCode = 1;
