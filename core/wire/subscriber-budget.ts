/**
 * One memory budget for every live event stream of a hub (JSONL `subscribe`, REST `GET /events`):
 * a cap on how many there are, on what one may have waiting unread, and on what all of them have
 * waiting together. A subscriber that does not keep up is shed (the one furthest behind first),
 * told why on its own stream, so one stuck dashboard cannot grow the hub without bound.
 */
import { HubError } from '../errors.js';

export interface Subscriber {
  /** Bytes written to this subscriber that its peer has not taken yet. */
  unread(): number;
  /** Ends the stream after writing `reason` on it (the peer sees why if it ever reads again). */
  shed(reason: string): void;
}

export interface SubscriberLimits {
  /** Streams open at once (JSONL subscriptions and SSE clients together). */
  maxSubscribers: number;
  /** Unread bytes one subscriber may have waiting. */
  maxBacklogBytes: number;
  /** Unread bytes all subscribers together may have waiting. */
  maxTotalBacklogBytes: number;
}

export const DEFAULT_SUBSCRIBER_LIMITS: SubscriberLimits = {
  maxSubscribers: 64,
  maxBacklogBytes: 8 * 1024 * 1024,
  maxTotalBacklogBytes: 64 * 1024 * 1024,
};

const MIB = 1024 * 1024;

/** How long a shed stream has to take its reason before it is cut. */
export const SHED_GRACE_MS = 2000;

export class SubscriberBudget {
  private readonly subscribers = new Set<Subscriber>();

  constructor(readonly limits: SubscriberLimits = DEFAULT_SUBSCRIBER_LIMITS) {}

  get size(): number {
    return this.subscribers.size;
  }

  /** Counts a new stream in; throws 'overloaded' when the hub already serves as many as it allows. */
  admit(subscriber: Subscriber): void {
    if (this.subscribers.has(subscriber)) return;
    if (this.subscribers.size >= this.limits.maxSubscribers) {
      throw new HubError(
        'overloaded',
        `this hub already serves ${this.limits.maxSubscribers} event subscribers (its limit); close one (an idle dashboard?) or try again later`,
      );
    }
    this.subscribers.add(subscriber);
  }

  leave(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
  }

  /** Unread bytes of all subscribers together. */
  totalBacklog(): number {
    let total = 0;
    for (const subscriber of this.subscribers) total += subscriber.unread();
    return total;
  }

  /**
   * Call before writing an event of `bytes` to every subscriber: sheds each one that could not take
   * it within its own limit, then the furthest behind until all of them fit in the total.
   */
  makeRoom(bytes: number): void {
    let total = 0;
    for (const subscriber of [...this.subscribers]) {
      const backlog = subscriber.unread();
      if (backlog + bytes > this.limits.maxBacklogBytes && backlog > 0) {
        this.drop(subscriber, `it had ${(backlog / MIB).toFixed(1)} MiB of events unread (the limit is ${this.limits.maxBacklogBytes / MIB} MiB per subscriber)`);
      } else {
        total += backlog;
      }
    }
    while (this.subscribers.size > 0 && total + bytes * this.subscribers.size > this.limits.maxTotalBacklogBytes) {
      let slowest: Subscriber | undefined;
      let slowestBacklog = -1;
      for (const subscriber of this.subscribers) {
        const backlog = subscriber.unread();
        if (backlog > slowestBacklog) [slowest, slowestBacklog] = [subscriber, backlog];
      }
      if (slowest === undefined || slowestBacklog === 0) break;
      total -= slowestBacklog;
      this.drop(
        slowest,
        `the hub's event subscribers together had more than ${this.limits.maxTotalBacklogBytes / MIB} MiB unread and this one was furthest behind (${(slowestBacklog / MIB).toFixed(1)} MiB)`,
      );
    }
  }

  private drop(subscriber: Subscriber, why: string): void {
    this.subscribers.delete(subscriber);
    subscriber.shed(`event stream closed: this subscriber did not keep up: ${why}; reconnect and read faster, or subscribe to fewer event types`);
  }
}

/**
 * After a shed stream was ended: cut it once it stops taking data (its unread bytes did not shrink
 * for `graceMs`), so a slow reader still gets the reason, and one that reads nothing frees its memory.
 */
export function cutWhenStalled(unread: () => number, cut: () => void, graceMs: number, done: () => boolean): void {
  let last = unread();
  const timer = setInterval(() => {
    const now = unread();
    if (done()) clearInterval(timer);
    else if (now >= last) {
      clearInterval(timer);
      cut();
    }
    last = now;
  }, graceMs);
  timer.unref();
}
