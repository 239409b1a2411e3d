/**
 * What containment costs per run: the runner alone (no hub) running a trivial script, one run after
 * another, with each mechanism, in interleaved rounds so that a change in machine load hits all of
 * them alike. Also with a ledger note per run, as an agent writes it. Linux (cgroup needs a writable
 * cgroup v2 folder; without one the `cgroup` rows fall back to `environ` and say so).
 *
 *   node dist/scripts/bench/containment.js [--runs 100] [--rounds 5]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probeContainment, type ContainmentMechanism } from '../../drivers/run/containment.js';
import { ProcessLedger } from '../../drivers/run/ledger.js';
import { runProcess } from '../../drivers/run/runner.js';
import { benchArgs } from './bench-args.js';

const values = benchArgs(
  { name: 'containment', measures: 'what each containment mechanism (group, environ, cgroup, cgroup + ledger note) costs per run of a trivial script' },
  {
    runs: { kind: 'number', default: 100, help: 'runs per mechanism and round' },
    rounds: { kind: 'number', default: 5, help: 'interleaved rounds' },
  },
);
const RUNS = Number(values.runs);
const ROUNDS = Number(values.rounds);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-bench-containment-'));
const script = path.join(work, 'trivial');
fs.writeFileSync(script, '#!/bin/sh\ncat\n', { mode: 0o755 });
const ledger = new ProcessLedger(path.join(work, 'state'));

interface Variant {
  name: string;
  mechanism: ContainmentMechanism;
  ledger: boolean;
}
const variants: Variant[] = [
  { name: 'group', mechanism: 'group', ledger: false },
  { name: 'environ', mechanism: 'environ', ledger: false },
  { name: 'cgroup', mechanism: 'cgroup', ledger: false },
  { name: 'cgroup + ledger note', mechanism: 'cgroup', ledger: true },
];

async function perRunMs(variant: Variant): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < RUNS; i++) {
    const result = await runProcess({ command: script, args: [], stdin: 'x', containment: variant.mechanism, ...(variant.ledger ? { ledger } : {}) });
    if (result.stdout !== 'x') throw new Error(`unexpected output: ${JSON.stringify(result)}`);
  }
  return Number(process.hrtime.bigint() - started) / 1e6 / RUNS;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const probe = probeContainment();
console.log(`auto on this machine: ${probe.detail}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const variant of variants) samples.get(variant.name)?.push(await perRunMs(variant));
}
for (const variant of variants) {
  const ms = samples.get(variant.name) ?? [];
  console.log(`${variant.name.padEnd(22)} median ${median(ms).toFixed(2)} ms/run  (rounds: ${ms.map((x) => x.toFixed(2)).join(', ')})`);
}
console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
fs.rmSync(work, { recursive: true, force: true });
