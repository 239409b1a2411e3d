/**
 * The hub's connection state as the header shows it: from `hub.status` answers and from
 * `connection` UiEvents (the bridge's own, or the HTTP transport's when its event stream drops).
 */
import { useSyncExternalStore } from 'react';

export type ConnectionState = 'unknown' | 'online' | 'reconnecting' | 'offline';

export function connectionState(online: boolean, reconnecting: boolean): ConnectionState {
  if (online) return 'online';
  return reconnecting ? 'reconnecting' : 'offline';
}

class ConnectionStore {
  private state: ConnectionState = 'unknown';
  private readonly listeners = new Set<() => void>();

  get = (): ConnectionState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Returns the previous state, so callers can tell a recovery from a repeat. */
  set(next: ConnectionState): ConnectionState {
    const previous = this.state;
    if (next !== previous) {
      this.state = next;
      for (const listener of [...this.listeners]) listener();
    }
    return previous;
  }
}

export const connection = new ConnectionStore();

export function useConnection(): ConnectionState {
  return useSyncExternalStore(connection.subscribe, connection.get);
}
