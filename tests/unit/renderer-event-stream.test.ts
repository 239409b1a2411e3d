/** The browser-mode event stream: one EventSource for all listeners, reopened with backoff when it drops. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UiEvent } from '../../renderer/src/api/types.js';
import { createHttpTransport } from '../../renderer/src/api/http.js';

class FakeSource {
  static opened: FakeSource[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: MessageEvent<string>) => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSource.opened.push(this);
  }
  close() {
    this.closed = true;
  }
  send(data: unknown) {
    this.onmessage?.({ data: typeof data === 'string' ? data : JSON.stringify(data) } as MessageEvent<string>);
  }
}

afterEach(() => {
  FakeSource.opened = [];
  vi.useRealTimers();
});

function transport() {
  return createHttpTransport({ baseUrl: '/', backoffMs: [100, 200], eventSource: (url) => new FakeSource(url) as unknown as EventSource });
}

describe('event stream', () => {
  it('shares one stream between listeners, passes UiEvents on, ignores lines that are not events', () => {
    const api = transport();
    const a: UiEvent[] = [];
    const b: UiEvent[] = [];
    const offA = api.subscribe((e) => a.push(e));
    const offB = api.subscribe((e) => b.push(e));
    expect(FakeSource.opened).toHaveLength(1);
    expect(FakeSource.opened[0]?.url).toBe('/api/events');
    const source = FakeSource.opened[0] as FakeSource;
    source.send({ kind: 'connection', online: true, reconnecting: false });
    source.send('not json');
    source.send({ something: 'else' });
    source.send({ kind: 'hub', event: { seq: 1, type: 'retried', task_ids: [1] } });
    expect(a.map((e) => e.kind)).toEqual(['connection', 'hub']);
    expect(b).toEqual(a);
    offA();
    expect(source.closed).toBe(false);
    offB();
    expect(source.closed).toBe(true);
  });

  it('on a drop says "reconnecting", then "offline" after repeated failures, and reopens with backoff', () => {
    vi.useFakeTimers();
    const api = transport();
    const seen: UiEvent[] = [];
    api.subscribe((e) => seen.push(e));
    const states = () => seen.filter((e) => e.kind === 'connection').map((e) => (e.kind === 'connection' ? `${e.online}/${e.reconnecting}` : ''));
    FakeSource.opened[0]?.send({ kind: 'connection', online: true, reconnecting: false });
    FakeSource.opened[0]?.onerror?.();
    expect(states()).toEqual(['true/false', 'false/true']);
    vi.advanceTimersByTime(99);
    expect(FakeSource.opened).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSource.opened).toHaveLength(2);
    for (let i = 0; i < 3; i++) {
      FakeSource.opened.at(-1)?.onerror?.();
      vi.advanceTimersByTime(200);
    }
    expect(states().at(-1)).toBe('false/false'); // plainly offline, still retried
    expect(FakeSource.opened).toHaveLength(5);
    // Back: the bridge announces the hub's state first thing.
    FakeSource.opened.at(-1)?.onopen?.();
    FakeSource.opened.at(-1)?.send({ kind: 'connection', online: true, reconnecting: false });
    expect(states().at(-1)).toBe('true/false');
  });
});
