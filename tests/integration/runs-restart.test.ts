/**
 * A run outlives its hub: `mittelo run` (no embedded hub) follows a run that a `mittelo agent`
 * child process serves; the hub process is killed -9 mid-run and started again on the same
 * database and port, and the run command reconnects, keeps following and reports the finished run.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { HubClient } from '../../core/wire/client.js';
import { AgentProcess, EventWatch } from '../agent-helpers.js';
import { connect, sleep, spawnHubProcess } from '../helpers.js';
import { Workspace } from '../runs-helpers.js';

const hubs: ChildProcess[] = [];
const children: AgentProcess[] = [];
let ws: Workspace | undefined;

async function killHub(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

afterAll(async () => {
  await Promise.all(children.map((c) => c.kill()));
  await Promise.all(hubs.map(killHub));
  ws?.remove();
});

/** There is no event for "an agent is waiting for work": ask the hub until it lists one (bounded). */
async function untilWaiting(client: HubClient, workerId: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { workers } = await client.call('workers');
    if (workers.some((w) => w.worker_id === workerId && w.waiting)) return;
    if (Date.now() > deadline) throw new Error(`agent ${workerId} never waited for work: ${JSON.stringify(workers)}`);
    await sleep(50);
  }
}

it('a hub killed -9 mid-run and restarted on the same DB and port: the run command reconnects and the run completes', async () => {
  ws = new Workspace(0);
  const first = await spawnHubProcess(['--db', 'hub.db'], {}, ws.dir);
  hubs.push(first.child);
  const port = first.port;
  ws.port = port;
  ws.backend('plodder', 'prompt=$(cat)\nsleep 1\nprintf "slow:%s" "$prompt"');
  const pack = ws.pack('restart', [1, 2, 3, 4].map((n) => ({ id: `p${n}`, prompt: `step ${n}` })));

  const agent = ws.spawn(['agent', '--port', String(port), '--backend', 'plodder=1', '--worker-id', 'remote-agent', '--wait-seconds', '2', '--lease-seconds', '30']);
  children.push(agent);
  const setup = await connect({ host: '127.0.0.1', port });
  await untilWaiting(setup, 'remote-agent');
  setup.close();

  const watch = await EventWatch.open({ host: '127.0.0.1', port });
  const run = ws.spawn(['run', '--port', String(port), '--no-embedded', '--pack', pack, '--backend', 'plodder']);
  children.push(run);
  // Kill the hub once the second task has started: one done, three to go.
  await watch.waitFor((e) => e.type === 'acked' && 'task' in e && e.task.prompt === 'step 1', 15_000, 'the first task done');
  await watch.waitFor((e) => e.type === 'leased' && 'task' in e && e.task.prompt === 'step 2', 15_000, 'the second task leased');
  watch.close();
  await killHub(first.child);

  const second = await spawnHubProcess(['--db', 'hub.db', '--port', String(port)], {}, ws.dir);
  hubs.push(second.child);
  expect(second.port).toBe(port);

  const exit = await run.exit(30_000);
  expect(exit, run.stderr).toEqual({ code: 0, signal: null });
  expect(run.stderr).toMatch(/reconnected to the hub/);
  expect(run.stderr).not.toContain('in-process agent');
  const runId = /^mittelo run: run (\S+): 4 task\(s\) on plodder$/m.exec(run.stderr)?.[1] ?? '';
  expect(run.stdout).toContain(runId);

  const shown = await ws.show(runId);
  expect(shown.tasks.map((t) => [t.prompt_id, t.status, t.result, t.artifact?.worker_id])).toEqual(
    [1, 2, 3, 4].map((n) => [`p${n}`, 'done', `slow:step ${n}`, 'remote-agent']),
  );
  expect(shown.run.finished_at).not.toBeNull();
  expect(path.basename(shown.run.pack_path ?? '')).toBe('restart.jsonl');
});
