/** Prompt packs: JSONL files with one `{"prompt": ...}` object per line (optional id, backend, priority, expect), and an optional `{"pack": ...}` header (pack-header.ts). */
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_MAX_LINE_BYTES } from './config.js';
import { HubError, errorMessage } from './errors.js';
import { parseJsonInput } from './json-input.js';
import { commandCheckSchema, expectSchema } from './runs/expect.js';
import { fixtureSnapshotSchema, gitFixtureSchema, readFixture, readGitFixture } from './runs/fixture.js';
import { isHeaderLine, packHeader, parseHeaderLine, type PackHeader } from './pack-header.js';
import { regexProblem } from './runs/safe-regex.js';
import { readBoundedFile } from './read-bounded.js';
import { backendName } from '../drivers/backend-name.js';

/** Largest pack file read: far beyond any real pack (100,000 prompts), far below what hurts memory. */
export const MAX_PACK_BYTES = 64 * 1024 * 1024;
/** Longest pack line: a prompt that does not fit the hub's request line could not be enqueued anyway. */
export const MAX_PACK_LINE_BYTES = DEFAULT_MAX_LINE_BYTES;

export const packEntrySchema = z.object({
  prompt: z.string().refine((s) => s.trim().length > 0, 'must not be blank'),
  id: z.string().min(1).max(200).optional(),
  backend: backendName.optional(),
  priority: z.number().int().optional(),
  max_attempts: z.number().int().positive().optional(),
  labels: z.array(z.string()).optional(),
  // Refused here (pack load, run_create), not in expectSchema: a run imported from before the
  // linear-time engine keeps its pattern, and its check says why it cannot run.
  expect: expectSchema
    .superRefine((value, ctx) => {
      const problem = value.regex === undefined ? null : regexProblem(value.regex);
      if (problem !== null) ctx.addIssue({ code: 'custom', path: ['regex'], message: problem });
    })
    .optional(),
  /**
   * System tests: a folder (relative to the pack) copied into the task's fresh workdir before the
   * agent starts; readPackFile replaces the name by the folder's snapshot (see runs/fixture.ts).
   */
  fixture: z.union([z.string().min(1).max(4096), gitFixtureSchema, fixtureSnapshotSchema]).optional(),
  /** A command run in the task's workdir after the agent ends (`npm test`); exit 0 passes. */
  check: commandCheckSchema.optional(),
  /** The agent's tool policy for this row (default: workspace-write with a fixture or check, else the backend's). */
  tool_policy: z.enum(['none', 'read-only', 'workspace-write']).optional(),
});

export type PackEntry = z.output<typeof packEntrySchema>;

/** Parses the whole pack first, so a bad line 40 enqueues nothing; errors name file and line. */
export function parsePack(text: string, source: string): PackEntry[] {
  const entries: PackEntry[] = [];
  const seenIds = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    // Characters count at most 3 UTF-8 bytes each (4 per surrogate pair): measure only when it could matter.
    if (raw.length * 3 > MAX_PACK_LINE_BYTES && Buffer.byteLength(raw) > MAX_PACK_LINE_BYTES) {
      throw new HubError('bad_request', `${source}:${i + 1}: the line is longer than ${MAX_PACK_LINE_BYTES} bytes (one prompt must fit the hub's request line)`);
    }
    const line = raw.trim();
    if (line === '' || line.startsWith('//')) continue;
    let value: unknown;
    try {
      value = parseJsonInput(line, 'the line');
    } catch (err) {
      if (err instanceof HubError) throw new HubError('bad_request', `${source}:${i + 1}: ${err.message}`);
      throw new HubError('bad_request', `${source}:${i + 1}: not valid JSON (${errorMessage(err)})`);
    }
    // The header line (repeat, gate policy: pack-header.ts) is validated here and read by packHeader.
    if (isHeaderLine(value)) {
      parseHeaderLine(value, `${source}:${i + 1}`);
      continue;
    }
    const parsed = packEntrySchema.safeParse(value);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'line'}: ${issue.message}`).join('; ');
      throw new HubError('bad_request', `${source}:${i + 1}: ${detail}`);
    }
    const id = parsed.data.id;
    if (id !== undefined) {
      const first = seenIds.get(id);
      // Runs pair answers across runs by prompt id: two prompts with one id would be compared wrongly.
      if (first !== undefined) throw new HubError('bad_request', `${source}:${i + 1}: id ${JSON.stringify(id)} is already used on line ${first}`);
      seenIds.set(id, i + 1);
    }
    entries.push(parsed.data);
  }
  if (entries.length === 0) throw new HubError('bad_request', `${source}: the pack has no prompts`);
  return entries;
}

/** Reads a pack file (a pipe or /dev/stdin too), refusing one larger than MAX_PACK_BYTES before it fills memory. */
export function readPackFile(file: string): PackEntry[] {
  return readPack(file).entries;
}

/** A pack's prompts and its header ({} without one), from one read (a pipe can be read once). */
export function readPack(file: string): { entries: PackEntry[]; header: PackHeader } {
  const text = readBoundedFile(file, MAX_PACK_BYTES, { what: 'pack' });
  return { entries: loadFixtures(parsePack(text, file), file), header: packHeader(text, file) };
}

/** The header of the pack a run came from; null when the file is gone or unreadable (a run's pack may have moved since). */
export function readPackHeader(file: string): PackHeader | null {
  let text: string;
  try {
    text = readBoundedFile(file, MAX_PACK_BYTES, { what: 'pack' });
  } catch {
    return null;
  }
  return packHeader(text, file);
}

/** Replaces each row's fixture (a folder, or a git repository and ref) by its snapshot, read relative to the pack's folder. */
export function loadFixtures(entries: PackEntry[], packFile: string): PackEntry[] {
  const dir = path.dirname(path.resolve(packFile));
  const cache = new Map<string, z.output<typeof fixtureSnapshotSchema>>();
  return entries.map((entry, index) => {
    const fixture = entry.fixture;
    if (fixture === undefined || (typeof fixture === 'object' && 'files' in fixture)) return entry;
    const where = `${packFile}: prompt ${entry.id ?? index + 1}`;
    const key = typeof fixture === 'string' ? `dir:${fixture}` : `git:${fixture.git}@${fixture.ref}`;
    const snapshot = cache.get(key) ?? (typeof fixture === 'string' ? readFixture(fixture, dir, where) : readGitFixture(fixture, dir, where));
    cache.set(key, snapshot);
    return { ...entry, fixture: snapshot };
  });
}
