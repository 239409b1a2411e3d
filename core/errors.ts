/** Errors that cross a boundary (wire, REST, CLI) carry a stable code and a human message. */
export type HubErrorCode =
  | 'bad_request'
  | 'unknown_method'
  | 'unauthorized'
  | 'not_found'
  | 'conflict'
  | 'stale_lease'
  | 'line_too_long'
  | 'shutting_down'
  | 'overloaded'
  | 'database'
  | 'unreachable'
  | 'internal';

export class HubError extends Error {
  constructor(
    readonly code: HubErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
