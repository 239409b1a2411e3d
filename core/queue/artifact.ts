/**
 * The record of one real run of a backend, sent by the agent with its ack and stored next to the
 * task: what ran (argv, version, model, env; all redacted by the agent's runner), what came out, how
 * it ended and what it cost. Comparison and the run history are built from these.
 */
import { z } from 'zod';
import { FAILURE_CLASSES } from '../../drivers/types.js';
import { MAX_FIELD_DEPTH, jsonDepthWithin } from '../json-input.js';
import { redactArtifact } from './artifact-redact.js';

export const MAX_TEXT = 16 * 1024 * 1024;
const shortText = z.string().max(4096);
const count = z.number().int().nonnegative();

/** A system test's workdir after the agent: what changed against the fixture, and the check's run. */
export const workspaceSchema = z.object({
  /** The fixture folder as the pack named it (null: the task started from an empty workdir). */
  fixture: z.string().max(4096).nullable(),
  /** Where the workdir is kept for inspection on the agent's machine (null: removed). */
  workdir: shortText.nullable(),
  files: z
    .array(z.object({ path: z.string().max(4096), change: z.enum(['added', 'changed', 'deleted']), binary: z.boolean().optional() }))
    .max(20_000),
  /** Unified diff of the workdir against the fixture (binary files named only). */
  diff: z.string().max(MAX_TEXT),
  /** The diff (or the file list) stopped at its cap. */
  truncated: z.boolean(),
  /** What left the workdir, in words: writes outside it (through `..`), refused writes, links pointing out. */
  outside: z.array(z.string().max(4096)).max(1000).default([]),
  /** Paths (relative to the workdir: `../x`, `../../task-2-abcdef/work/y`) written outside the workdir, found after the task. */
  wrote_outside: z.array(z.string().max(4096)).max(1000).default([]),
  /** Paths the agent tried to write outside the workdir and the containment refused (from its output). */
  refused_outside: z.array(z.string().max(4096)).max(1000).default([]),
  /**
   * How the task was kept inside its workdir: `contained` (a mount namespace made everything but the
   * workdir read-only) or `detected_only` (writes outside found after the task); absent in older runs.
   */
  isolation: z.object({ mode: z.enum(['contained', 'detected_only']), detail: z.string().max(4096) }).optional(),
  check: z
    .object({
      command: z.string().max(65536),
      exit_code: z.number().int().nullable(),
      signal: z.string().max(32).nullable(),
      stdout: z.string().max(MAX_TEXT),
      stderr: z.string().max(MAX_TEXT),
      timed_out: z.boolean(),
      duration_ms: z.number().nonnegative(),
      pass: z.boolean(),
      /** Why it passed or failed, in words. */
      reason: z.string().max(4096),
    })
    .nullable(),
});

export type WorkspaceArtifact = z.output<typeof workspaceSchema>;

export const artifactSchema = z.object({
  backend: z.string().min(1).max(64),
  driver: z.string().max(64).nullish(),
  argv: z.array(z.string().max(65536)).max(1000).default([]),
  cli_path: shortText.nullish(),
  cli_version: z.string().max(200).nullish(),
  model: z.string().max(200).nullish(),
  tool_policy: z.string().max(64).nullish(),
  env: z.record(z.string().max(256), z.string().max(65536)).default({}),
  stdout: z.string().max(MAX_TEXT).default(''),
  stderr: z.string().max(MAX_TEXT).default(''),
  stdout_truncated: z.boolean().default(false),
  stderr_truncated: z.boolean().default(false),
  exit_code: z.number().int().nullish(),
  signal: z.string().max(32).nullish(),
  failure_class: z.enum(FAILURE_CLASSES).nullish(),
  failure_message: z.string().max(MAX_TEXT).nullish(),
  latency_ms: z.number().nonnegative().nullish(),
  started_at: z.number().nullish(),
  finished_at: z.number().nullish(),
  input_tokens: count.nullish(),
  output_tokens: count.nullish(),
  cost_usd: z.number().nonnegative().nullish(),
  session_id: z.string().max(200).nullish(),
  turns: count.nullish(),
  host: z.string().max(255).nullish(),
  worker_id: z.string().max(200).nullish(),
  /** Structured events a driver kept (tool calls of an ACP agent, say). */
  events: z
    .array(z.record(z.string(), z.unknown()))
    .max(10_000)
    .refine((events) => jsonDepthWithin(events, MAX_FIELD_DEPTH), `must not nest deeper than ${MAX_FIELD_DEPTH} levels`)
    .optional(),
  /** System tests (a pack row with `fixture` or `check`): the workdir's diff and the check. */
  workspace: workspaceSchema.optional(),
})
  // Whoever sent it, the hub stores no key the artifact itself reveals (see artifact-redact.ts).
  .transform(redactArtifact);

export type Artifact = z.output<typeof artifactSchema>;
export type ArtifactInput = z.input<typeof artifactSchema>;
