/** The hub's state in the header: colour and a word, never colour alone. */
import { useConnection, type ConnectionState } from '../api/connection.js';

const LABEL: Record<ConnectionState, string> = { unknown: 'CONNECTING', online: 'ONLINE', reconnecting: 'RECONNECTING', offline: 'OFFLINE' };
const EXPLAIN: Record<ConnectionState, string> = {
  unknown: 'Connecting to the hub…',
  online: 'The hub is running and this window receives its updates live.',
  reconnecting: 'Lost contact with the hub; trying to reconnect.',
  offline: 'The hub cannot be reached. This window keeps trying and updates by itself when it is back.',
};

export function ConnectionBadge() {
  const state = useConnection();
  return (
    <span className={`conn-badge conn-badge--${state}`} data-state={state} role="status" aria-live="polite" title={EXPLAIN[state]}>
      <span className="conn-badge__dot" aria-hidden="true" />
      <span>Hub {LABEL[state]}</span>
    </span>
  );
}
