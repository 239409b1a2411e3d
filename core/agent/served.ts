/** A backend spec (flags, mittelo.config.json) plus its preflight, as an agent serves it. */
import type { ServedBackend } from './agent.js';
import { findDriver } from '../../drivers/registry.js';
import { driverFor, type BackendSpec, type Preflight } from './backend.js';

export function servedBackend(spec: BackendSpec, report: Preflight | null, defaultConcurrency = 1): ServedBackend {
  const served: ServedBackend = {
    name: spec.name,
    // Preflight may have found another CLI under the same command (`kimi` that is Kimi Code).
    driver: (report?.driver ? findDriver(report.driver) : undefined) ?? driverFor(spec.name),
    binary: report?.binary ?? null,
    version: report?.version ?? null,
    options: spec.options ?? {},
    toolPolicy: spec.toolPolicy ?? 'none',
    concurrency: spec.concurrency ?? defaultConcurrency,
  };
  if (spec.model) served.model = spec.model;
  if (spec.timeoutMs !== undefined) served.timeoutMs = spec.timeoutMs;
  if (spec.ratePerMinute !== undefined) served.ratePerMinute = spec.ratePerMinute;
  if (spec.env) served.env = spec.env;
  return served;
}
