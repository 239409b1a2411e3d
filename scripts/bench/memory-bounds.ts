/**
 * Peak memory of a hub process under the two loads that used to grow it without bound:
 *   1. event streams that never read: N SSE clients (never reading) plus one that reads, while an
 *      agent sends M `output` events of 1 MiB;
 *   2. big prompts: P queued prompts of S MiB each (never leased).
 * Verifies that the reading client got every event and that every prompt was stored whole.
 *
 *   node dist/scripts/bench/memory-bounds.js [--sse 40] [--events 45] [--prompts 200] [--prompt-mib 5]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { HubClient } from '../../core/wire/client.js';
import { processMemoryMiB } from './hub-process.js';
import { benchArgs } from './bench-args.js';

const values = benchArgs(
  { name: 'memory-bounds', measures: 'peak hub memory with event streams that never read and with big queued prompts' },
  {
    sse: { kind: 'number', default: 40, help: 'SSE clients that never read' },
    events: { kind: 'number', default: 45, help: 'output events of 1 MiB the agent sends' },
    prompts: { kind: 'number', default: 200, help: 'big prompts queued' },
    'prompt-mib': { kind: 'number', default: 5, help: 'size of each big prompt in MiB' },
  },
);
const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'core', 'cli', 'main.js');
const MIB = 1024 * 1024;

async function startHub(): Promise<{ pid: number; port: number; restPort: number; dbPath: string; stop: () => Promise<void> }> {
  const dbPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-bench-memory-')), 'hub.db');
  const child = spawn(process.execPath, [cli, 'hub', '--db', dbPath, '--port', '0', '--rest-port', '0', '--print-url', '--quiet', '--max-line-bytes', String(16 * MIB)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, MITTELO_TOKEN: '' },
  });
  const { port, restPort } = await new Promise<{ port: number; restPort: number }>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const tcp = /tcp:\/\/[^\s]+:(\d+)/.exec(out)?.[1];
      const rest = /http:\/\/[^\s]+:(\d+)/.exec(out)?.[1];
      if (tcp && rest) resolve({ port: Number(tcp), restPort: Number(rest) });
    });
    child.once('exit', (code) => reject(new Error(`hub exited with ${code}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { pid: child.pid ?? 0, port, restPort, dbPath, stop };
}

/** An SSE client that sends its request and then never reads. */
function stuckStream(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host: '127.0.0.1', port }, () => {
      socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      socket.pause();
      resolve(socket);
    });
    socket.on('error', () => undefined);
  });
}

async function eventStreams(): Promise<Record<string, unknown>> {
  const hub = await startHub();
  const stuck = await Promise.all(Array.from({ length: Number(values.sse) }, () => stuckStream(hub.restPort)));
  let received = 0;
  const reader = await fetch(`http://127.0.0.1:${hub.restPort}/events?types=output`);
  const body = reader.body?.getReader();
  const reading = (async () => {
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const chunk = await body?.read();
      if (!chunk || chunk.done) return;
      text += decoder.decode(chunk.value, { stream: true });
      const events = text.split('\n\n');
      text = events.pop() ?? '';
      received += events.filter((e) => e.includes('event: output')).length;
      if (received >= Number(values.events)) return;
    }
  })();
  const client = await HubClient.connect({ host: '127.0.0.1', port: hub.port });
  await client.enqueue({ prompt: 'talks a lot' });
  const [task] = await client.lease({ worker_id: 'bench', max_tasks: 1 });
  if (!task) throw new Error('nothing leased');
  const text = 'o'.repeat(MIB);
  for (let i = 0; i < Number(values.events); i++) {
    await client.call('output', { task_id: task.task_id, lease_token: task.lease_token, text });
  }
  await reading;
  await new Promise((resolve) => setTimeout(resolve, 500));
  const memory = processMemoryMiB(hub.pid);
  client.close();
  for (const socket of stuck) socket.destroy();
  await body?.cancel();
  await hub.stop();
  if (received < Number(values.events)) throw new Error(`the reading client got ${received} of ${values.events} events`);
  return { stuck_clients: stuck.length, events_mib: Number(values.events), reader_got_all: true, hub_peak_rss_mib: Math.round(memory.peak) };
}

async function bigPrompts(): Promise<Record<string, unknown>> {
  const hub = await startHub();
  const client = await HubClient.connect({ host: '127.0.0.1', port: hub.port });
  const size = Number(values['prompt-mib']) * MIB;
  for (let i = 0; i < Number(values.prompts); i++) {
    await client.enqueue({ prompt: String(i).padEnd(size, 'p') });
  }
  const memory = processMemoryMiB(hub.pid);
  client.close();
  await hub.stop();
  const db = new Database(hub.dbPath, { readonly: true });
  const stored = db.prepare("SELECT count(*) AS n, min(length(prompt)) AS shortest FROM tasks WHERE status = 'queued'").get() as { n: number; shortest: number };
  db.close();
  fs.rmSync(path.dirname(hub.dbPath), { recursive: true, force: true });
  if (stored.n !== Number(values.prompts) || stored.shortest !== size) throw new Error(`stored ${stored.n} prompts, shortest ${stored.shortest} chars`);
  return { prompts: stored.n, prompt_mib: Number(values['prompt-mib']), all_stored_whole: true, hub_peak_rss_mib: Math.round(memory.peak) };
}

console.log(JSON.stringify({ event_streams: await eventStreams(), big_prompts: await bigPrompts() }, null, 2));
