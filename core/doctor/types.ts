/** The doctor report: core checks, per-backend checks, and what decided the exit status. */
import type { CheckStatus } from '../agent/backend.js';
import type { BackendReport } from '../agent/backend-check.js';
import type { FailureClass } from '../../drivers/types.js';
import type { DriftEntry } from '../lock/check.js';

export type { CheckStatus };

export type CoreCheckName = 'node' | 'sqlite' | 'database' | 'containment' | 'jsonl_port' | 'rest_port';

/** A machine check; every core check is required (a `fail` fails doctor, a `warn` does not). */
export interface CoreCheck {
  check: CoreCheckName;
  status: CheckStatus;
  /** One line in plain words. */
  summary: string;
  details: Record<string, string | number | boolean | null>;
}

/** The answer to one real prompt sent with --live (real credentials, short timeout). */
export interface LiveResult {
  /** False when the prompt was not sent (the backend could not run at all). */
  sent: boolean;
  ok: boolean;
  /** The driver's failure class when it failed. */
  failure: FailureClass | null;
  /** The start of the answer, or the CLI's own error message. */
  message: string;
  duration_ms: number | null;
}

export interface DoctorBackend extends BackendReport {
  /** Required backends (locked, or named with --backend) fail doctor when their status is fail. */
  required: boolean;
  required_because: ('lock' | 'named')[];
  /** This CLI against the lock; null when there is no lock file or the CLI is neither locked nor installed. */
  lock: DriftEntry | null;
  live: LiveResult | null;
}

export interface DoctorReport {
  ok: boolean;
  /** Seconds since the epoch, like the task store's times. */
  created_at: number;
  host: string;
  mittelo_version: string;
  platform: string;
  workspace: string;
  core: CoreCheck[];
  /** Empty with --core. */
  backends: DoctorBackend[];
  lock: { file: string; present: boolean; error: string | null };
  /** Why ok is false: one line per failed required check. */
  failures: string[];
  /** Things worth knowing that do not fail doctor. */
  warnings: string[];
  /** The history row this run was stored as, or why it was not stored. Not part of the stored JSON. */
  recorded?: { id: number } | { error: string };
}
