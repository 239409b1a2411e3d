/**
 * Browser mode's `/api/events` streams get the hub's memory rules (core/wire/subscriber-budget.ts):
 * a page that stops reading is shed with the reason on its stream, one that reads gets every event,
 * and the number of streams is capped (503 "overloaded"), so a stuck tab cannot grow `mittelo serve`.
 */
import net from 'node:net';
import { afterEach, expect, it } from 'vitest';
import type { UiEvent } from '../../core/api.js';
import { startHttpBridge, type HttpBridgeOptions } from '../../core/app/http-bridge.js';

const MIB = 1024 * 1024;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A bridge whose events the test sends itself. */
async function bridge(eventLimits: HttpBridgeOptions['eventLimits']) {
  const listeners = new Set<(event: UiEvent) => void>();
  const started = await startHttpBridge({
    dispatch: async () => ({ ok: true, result: null }) as never,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    port: 0,
    rendererDir: null,
    ...(eventLimits ? { eventLimits } : {}),
  });
  cleanups.push(() => started.close());
  let seq = 0;
  const emit = (text: string) => {
    for (const listener of [...listeners]) listener({ kind: 'hub', event: { seq: ++seq, type: 'output', task_id: 1, worker_id: 'w', stream: 'stdout', text } });
  };
  return { port: started.port, emit, listeners };
}

interface RawStream {
  socket: net.Socket;
  text: () => string;
  ended: Promise<void>;
}

function eventStream(port: number): Promise<RawStream> {
  return new Promise((resolve) => {
    let text = '';
    const socket = net.createConnection({ host: '127.0.0.1', port }, () => {
      socket.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      resolve({ socket, text: () => text, ended });
    });
    const ended = new Promise<void>((done) => socket.on('close', () => done()));
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', () => undefined);
    cleanups.push(() => void socket.destroy());
  });
}

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it('a page that stops reading is shed with the reason on its stream; one that reads gets every event', async () => {
  const { port, emit, listeners } = await bridge({ maxSubscribers: 8, maxBacklogBytes: 2 * MIB, maxTotalBacklogBytes: 64 * MIB });
  const slow = await eventStream(port);
  const fast = await eventStream(port);
  await until(() => slow.text().includes(': connected') && fast.text().includes(': connected') && listeners.size === 2, 'both streams');
  slow.socket.pause();
  const chunk = 'o'.repeat(MIB);
  // Kernel buffers take some megabytes before the bridge holds anything: send until it sheds.
  let sent = 0;
  while (listeners.size === 2 && sent < 200) {
    emit(chunk);
    sent++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(listeners.size).toBe(1);
  // A shed stream that keeps reading gets its reason; one that reads nothing is cut after 2 s.
  slow.socket.resume();
  await slow.ended;
  await until(() => (fast.text().match(/data: \{"kind":"hub"/g) ?? []).length === sent, 'every event on the fast stream');
  expect(slow.text().slice(-600)).toMatch(/event: error\ndata: \{"error":"event stream closed: this subscriber did not keep up: it had [\d.]+ MiB of events unread \(the limit is 2 MiB per subscriber\)[^"]*","code":"overloaded"\}\n\n/);
  expect(fast.socket.destroyed).toBe(false);
});

it('the number of streams is capped: the next page gets 503 "overloaded", and a freed slot is usable again', async () => {
  const { port, listeners } = await bridge({ maxSubscribers: 2, maxBacklogBytes: 8 * MIB, maxTotalBacklogBytes: 64 * MIB });
  const first = await eventStream(port);
  await eventStream(port);
  await until(() => listeners.size === 2, 'two streams');
  const third = await eventStream(port);
  await third.ended;
  expect(third.text()).toMatch(/^HTTP\/1\.1 503 /);
  expect(third.text()).toContain('"code":"overloaded"');
  expect(third.text()).toContain('already serves 2 event subscribers');
  first.socket.destroy();
  await until(() => listeners.size === 1, 'the first stream gone');
  const again = await eventStream(port);
  await until(() => again.text().includes(': connected'), 'a new stream');
});
