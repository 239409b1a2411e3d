/**
 * The version lock file `mittelo.lock.json` at the workspace root: which CLI versions, install
 * sources, flags and models are known to work. Read through one zod schema; written atomically.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { HubError, errorMessage } from '../errors.js';

export const LOCK_FILE = 'mittelo.lock.json';
export const LOCK_FORMAT_VERSION = 1;

export const installSourceSchema = z.discriminatedUnion('type', [
  /** Reinstall with `npm install -g <package>@<version>`. */
  z.object({ type: z.literal('npm'), package: z.string().min(1) }),
  /** A Homebrew formula or cask; pin with `brew pin <formula>`. */
  z.object({ type: z.literal('brew'), formula: z.string().min(1).optional() }),
  /** Anything else (an installer script, a Python tool, a hand-built binary): how, in words. */
  z.object({ type: z.literal('other'), note: z.string().min(1) }),
]);

export const lockEntrySchema = z.object({
  /** The driver's name (`claude_code`, `gemini`, `codex`...). */
  name: z.string().min(1),
  /** The executable the driver looks for, for people reading the file. */
  binary: z.string().min(1).optional(),
  source: installSourceSchema,
  /** As the driver parses the CLI's `--version` (e.g. `2.1.197`). */
  version: z.string().min(1),
  /** Flags the driver relies on; each must appear in the installed CLI's help. */
  flags: z.array(z.string().regex(/^-/, 'a flag starts with "-"')),
  /** The model runs were pinned to, when one was chosen (config or MITTELO_<NAME>_MODEL). */
  model: z.string().min(1).optional(),
});

export const lockFileSchema = z
  .object({
    lock_version: z.literal(LOCK_FORMAT_VERSION),
    written_at: z.string().min(1),
    host: z.string().optional(),
    clis: z.array(lockEntrySchema),
    /** Why CLIs were left out when the lock was written (not installed, flag missing...). */
    notes: z.array(z.string()).default([]),
  })
  .superRefine((lock, ctx) => {
    const seen = new Set<string>();
    lock.clis.forEach((entry, index) => {
      if (seen.has(entry.name)) ctx.addIssue({ code: 'custom', path: ['clis', index, 'name'], message: `${entry.name} is locked twice` });
      seen.add(entry.name);
    });
  });

export type InstallSource = z.output<typeof installSourceSchema>;
export type LockEntry = z.output<typeof lockEntrySchema>;
export type LockFile = z.output<typeof lockFileSchema>;

export function lockPath(workspace: string = process.cwd()): string {
  return path.resolve(workspace, LOCK_FILE);
}

/** The lock of a workspace, or null when it has none; a file that does not parse is an error naming the field. */
export function readLock(workspace: string = process.cwd()): LockFile | null {
  const file = lockPath(workspace);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new HubError('bad_request', `cannot read the lock file ${file}: ${errorMessage(err)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new HubError('bad_request', `lock file ${file} is not valid JSON: ${errorMessage(err)}`);
  }
  const parsed = lockFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new HubError('bad_request', `lock file ${file}: ${issues}`);
  }
  return parsed.data;
}

/** Writes through a temporary file and a rename, so a reader never sees half a lock. */
export function writeLock(lock: LockFile, workspace: string = process.cwd()): string {
  const file = lockPath(workspace);
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(lockFileSchema.parse(lock), null, 2)}\n`);
  fs.renameSync(temp, file);
  return file;
}

/** The command that puts the locked version back, where the source says how. */
export function reinstallHint(entry: Pick<LockEntry, 'source' | 'version'>): string {
  switch (entry.source.type) {
    case 'npm':
      return `npm install -g ${entry.source.package}@${entry.version}`;
    case 'brew':
      return entry.source.formula
        ? `brew install ${entry.source.formula} (Homebrew keeps one version per formula: use a versioned formula or tap for ${entry.version}), then brew pin ${entry.source.formula}`
        : `install ${entry.version} with Homebrew, then brew pin the formula`;
    case 'other':
      return `install ${entry.version} the way it was installed (${entry.source.note})`;
  }
}
