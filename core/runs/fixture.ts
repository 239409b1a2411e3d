/**
 * Fixtures of system tests: the folder a pack row names (`fixture`, relative to the pack) is read
 * once, where the pack is read, into a snapshot carried in the task's metadata. The agent that runs
 * the task may be on another machine: it writes the snapshot into the task's fresh workdir
 * (core/agent/workspace.ts) and diffs the workdir against it after the agent ends.
 *
 * Everything stays inside the fixture: a symbolic link that points out of it, a device or a pipe is
 * refused with the file named; links inside it are kept as links. Sizes are capped so one pack row
 * cannot fill the hub's request line or the tasks table.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { HubError } from '../errors.js';
import { formatBytes } from '../read-bounded.js';

/** All file contents of one fixture, at most (base64 in the metadata grows it by a third). */
export const MAX_FIXTURE_BYTES = 4 * 1024 * 1024;
export const MAX_FIXTURE_FILES = 5000;

/** A path inside a workdir: relative, `/`-separated, no `.`/`..` parts, no NUL. */
export const relativePathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.startsWith('/') && !p.includes('\\') && !p.includes('\0') && p.split('/').every((part) => part !== '' && part !== '.' && part !== '..'), 'must be a relative path inside the fixture');

export const fixtureFileSchema = z.union([
  z.object({ path: relativePathSchema, base64: z.string().max(MAX_FIXTURE_BYTES * 2), executable: z.boolean().optional() }).strict(),
  /** A symbolic link, its target relative to the link and inside the fixture. */
  z.object({ path: relativePathSchema, link: z.string().min(1).max(4096) }).strict(),
]);

export const fixtureSnapshotSchema = z
  .object({
    /** The folder as the pack names it (shown in artifacts and reports). */
    name: z.string().min(1).max(4096),
    files: z.array(fixtureFileSchema).max(MAX_FIXTURE_FILES),
  })
  .strict();

export type FixtureFile = z.output<typeof fixtureFileSchema>;
export type FixtureSnapshot = z.output<typeof fixtureSnapshotSchema>;

/** Whether `target` (resolved against the link's folder) stays inside `root`. */
export function linkStaysInside(root: string, linkPath: string, target: string): boolean {
  if (path.isAbsolute(target)) return false;
  const resolved = path.resolve(path.dirname(linkPath), target);
  const rel = path.relative(root, resolved);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Reads the fixture folder `name` (relative to `baseDir`) into a snapshot; files sorted by path. */
export function readFixture(name: string, baseDir: string, where: string): FixtureSnapshot {
  const root = path.resolve(baseDir, name);
  const fail = (why: string): never => {
    throw new HubError('bad_request', `${where}: fixture ${JSON.stringify(name)}: ${why}`);
  };
  let rootStat: fs.Stats;
  try {
    rootStat = fs.lstatSync(root);
  } catch {
    return fail(`no folder ${root}`);
  }
  if (!rootStat.isDirectory()) fail(`${root} is not a folder (a fixture is a folder copied into the task's workdir)`);
  const files: FixtureFile[] = [];
  let bytes = 0;
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(root, full).split(path.sep).join('/');
      if (entry.isDirectory()) {
        walk(full);
        continue;
      }
      if (files.length >= MAX_FIXTURE_FILES) fail(`more than ${MAX_FIXTURE_FILES} files`);
      if (entry.isSymbolicLink()) {
        const target = fs.readlinkSync(full);
        if (!linkStaysInside(root, full, target)) fail(`${rel} is a symbolic link pointing out of the fixture (${target}); refused so the task's workdir holds only the fixture`);
        files.push({ path: rel, link: target.split(path.sep).join('/') });
        continue;
      }
      if (!entry.isFile()) fail(`${rel} is not a plain file, folder or link`);
      const stat = fs.statSync(full);
      bytes += stat.size;
      if (bytes > MAX_FIXTURE_BYTES) fail(`larger than ${formatBytes(MAX_FIXTURE_BYTES)}`);
      const content = fs.readFileSync(full);
      files.push({ path: rel, base64: content.toString('base64'), ...(stat.mode & 0o111 ? { executable: true } : {}) });
    }
  };
  walk(root);
  return { name, files };
}

/** A fixture taken from a git repository (relative to the pack) at a ref: a tag, branch or commit. */
export const gitFixtureSchema = z
  .object({
    git: z.string().min(1).max(4096),
    ref: z.string().min(1).max(256).refine((ref) => !ref.startsWith('-'), 'must be a ref name, not an option'),
  })
  .strict();

export type GitFixture = z.output<typeof gitFixtureSchema>;

const GIT_TIMEOUT_MS = 60_000;

function gitOutput(args: string[], fail: (why: string) => never, input?: Buffer): Buffer {
  try {
    return execFileSync(args[0] ?? 'git', args.slice(1), { timeout: GIT_TIMEOUT_MS, maxBuffer: MAX_FIXTURE_BYTES * 4, stdio: ['pipe', 'pipe', 'pipe'], ...(input ? { input } : {}) });
  } catch (err) {
    const { stderr, code } = err as { stderr?: Buffer; code?: string };
    if (code === 'ENOENT') return fail(`${args[0]} is not installed (needed to read a git fixture)`);
    return fail((stderr?.toString('utf8').trim().split('\n').slice(-2).join(' ') || String(err)).slice(0, 500));
  }
}

/**
 * Reads the tree of `ref` in the repository `git` (relative to `baseDir`) into a snapshot, with the
 * same rules as a folder: `git archive` gives the files as committed (no `.git`, nothing untracked).
 */
export function readGitFixture(fixture: GitFixture, baseDir: string, where: string): FixtureSnapshot {
  const repo = path.resolve(baseDir, fixture.git);
  const name = `${fixture.git}@${fixture.ref}`;
  const fail = (why: string): never => {
    throw new HubError('bad_request', `${where}: fixture git ${JSON.stringify(fixture.git)} at ${JSON.stringify(fixture.ref)}: ${why}`);
  };
  if (!fs.existsSync(repo)) fail(`${repo} does not exist`);
  const archive = gitOutput(['git', '-C', repo, 'archive', '--format=tar', fixture.ref], fail);
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'mittelo-git-fixture-'));
  try {
    gitOutput(['tar', '-x', '-C', tree], fail, archive);
    return { ...readFixture(tree, '/', where), name };
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
  }
}
