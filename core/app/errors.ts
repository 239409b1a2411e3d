/**
 * Every failure of a UI call as an ApiError: a stable code, a sentence a non-engineer can act on,
 * and the technical detail (the hub's own message, the schema issues) one click away.
 */
import { z } from 'zod';
import type { ApiError } from '../api.js';
import { HubError, errorMessage } from '../errors.js';
import { BackendError } from '../agent/backend.js';

/** HTTP status per ApiError code (browser mode); anything else is a 500. */
export const HTTP_STATUS: Record<string, number> = {
  bad_input: 400,
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unknown_call: 404,
  conflict: 409,
  stale_lease: 409,
  too_large: 413,
  unsupported_media_type: 415,
  hub_offline: 503,
};

type Issue = z.core.$ZodIssue;

function describeIssue(issue: Issue): string {
  // Field names as words: task_id → "task id", backends.0 → "backends 0".
  const field = issue.path.length > 0 ? issue.path.join(' ').replace(/_/g, ' ') : 'the input';
  switch (issue.code) {
    case 'invalid_type':
      return /received undefined/.test(issue.message) ? `${field} is required` : `${field} should be ${article(issue.expected)}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `${field} must be ${JSON.stringify(issue.values[0])}` : `${field} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return issue.origin === 'string' ? `${field} is too short (at least ${issue.minimum} characters)` : issue.origin === 'array' ? `${field} needs at least ${issue.minimum}` : `${field} must be at least ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'string' ? `${field} is too long (at most ${issue.maximum} characters)` : issue.origin === 'array' ? `${field} can have at most ${issue.maximum}` : `${field} must be at most ${issue.maximum}`;
    default:
      return `${field} ${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}`;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}${/[.!?]$/.test(trimmed) ? '' : '.'}`;
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof z.ZodError) {
    return {
      code: 'bad_input',
      message: sentence(err.issues.map(describeIssue).join('; ')),
      detail: JSON.stringify(err.issues.map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message }))),
    };
  }
  if (err instanceof BackendError) return { code: 'bad_request', message: sentence(err.message) };
  if (err instanceof HubError) {
    switch (err.code) {
      case 'unreachable':
      case 'shutting_down':
        return { code: 'hub_offline', message: 'The hub is not reachable right now. The app keeps trying to reconnect; try again in a moment.', detail: err.message };
      case 'database':
        return { code: 'database', message: 'The task database could not be used.', detail: err.message };
      case 'internal':
        return { code: 'internal', message: 'Something went wrong inside the hub.', detail: err.message };
      default:
        return { code: err.code, message: sentence(err.message) };
    }
  }
  return { code: 'internal', message: 'Something went wrong inside the app.', detail: err instanceof Error ? (err.stack ?? err.message) : errorMessage(err) };
}
