/**
 * The unified diff of a system test's workdir against its fixture, as an agent left it: files
 * added, changed and deleted, binary files named but not inlined, links compared by target (never
 * followed), and the whole capped so a generated `node_modules` cannot fill the artifact.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { FixtureSnapshot } from '../runs/fixture.js';
import { linkStaysInside } from '../runs/fixture.js';
import type { WorkspaceArtifact } from '../queue/artifact.js';

export const MAX_DIFF_BYTES = 1024 * 1024;
export const MAX_DIFF_FILES = 10_000;
/** A file larger than this is compared but not diffed line by line (named as changed). */
const MAX_DIFFED_FILE_BYTES = 512 * 1024;

type Entry = { kind: 'file'; data: Buffer } | { kind: 'link'; target: string };

export type WorkspaceDiff = Pick<WorkspaceArtifact, 'files' | 'diff' | 'truncated' | 'outside'>;

function fixtureEntries(fixture: FixtureSnapshot | null): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const file of fixture?.files ?? []) {
    entries.set(file.path, 'link' in file ? { kind: 'link', target: file.link } : { kind: 'file', data: Buffer.from(file.base64, 'base64') });
  }
  return entries;
}

/** Every file and link under `root` (links not followed); stops past `limit` entries. */
function workdirEntries(root: string, limit: number, outside: string[]): { entries: Map<string, Entry>; truncated: boolean } {
  const entries = new Map<string, Entry>();
  let truncated = false;
  // Synchronous: a thousand small reads cost a few ms this way, several times more through the thread pool.
  const walk = (dir: string): void => {
    const children = fs.readdirSync(dir, { withFileTypes: true });
    children.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const child of children) {
      if (entries.size >= limit) {
        truncated = true;
        return;
      }
      const full = path.join(dir, child.name);
      const rel = path.relative(root, full).split(path.sep).join('/');
      if (child.isDirectory()) walk(full);
      else if (child.isSymbolicLink()) {
        const target = fs.readlinkSync(full);
        if (!linkStaysInside(root, full, target)) outside.push(`${rel} -> ${target} (a link pointing out of the workdir)`);
        entries.set(rel, { kind: 'link', target });
      } else if (child.isFile()) entries.set(rel, { kind: 'file', data: fs.readFileSync(full) });
    }
  };
  walk(root);
  return { entries, truncated };
}

/** Binary like git decides it: a NUL byte near the start, or text that is not UTF-8. */
export function looksBinary(data: Buffer): boolean {
  const head = data.subarray(0, 8000);
  if (head.includes(0)) return true;
  return Buffer.from(data.toString('utf8'), 'utf8').length !== data.length;
}

function same(a: Entry, b: Entry): boolean {
  if (a.kind === 'link' || b.kind === 'link') return a.kind === b.kind && (a as { target: string }).target === (b as { target: string }).target;
  return a.data.equals(b.data);
}

function asText(entry: Entry | undefined): string {
  if (!entry) return '';
  return entry.kind === 'link' ? `-> ${entry.target}\n` : entry.data.toString('utf8');
}

function patchOf(file: string, before: Entry | undefined, after: Entry | undefined): { text: string; binary: boolean } {
  const blobs = [before, after].filter((e): e is Extract<Entry, { kind: 'file' }> => e?.kind === 'file');
  const binary = blobs.some((e) => looksBinary(e.data));
  const from = before ? `a/${file}` : '/dev/null';
  const to = after ? `b/${file}` : '/dev/null';
  if (binary) return { text: `diff --git a/${file} b/${file}\nBinary files ${from} and ${to} differ\n`, binary: true };
  if (blobs.some((e) => e.data.length > MAX_DIFFED_FILE_BYTES)) {
    return { text: `diff --git a/${file} b/${file}\nLarge file ${from} and ${to} differ (not shown: over ${MAX_DIFFED_FILE_BYTES / 1024} KiB)\n`, binary: false };
  }
  const patch = createTwoFilesPatch(from, to, asText(before), asText(after), undefined, undefined, { context: 3 });
  // jsdiff starts its patch with a line of `=`; git's format (what readers and tools expect) has none.
  return { text: `diff --git a/${file} b/${file}\n${patch.replace(/^=+\n/, '')}`, binary: false };
}

/** Compares the workdir with the fixture it started from (an empty workdir when there is none). */
export async function diffWorkspace(fixture: FixtureSnapshot | null, workdir: string, limits: { maxBytes?: number; maxFiles?: number } = {}): Promise<WorkspaceDiff> {
  const maxBytes = limits.maxBytes ?? MAX_DIFF_BYTES;
  const outside: string[] = [];
  const before = fixtureEntries(fixture);
  const scan = workdirEntries(workdir, limits.maxFiles ?? MAX_DIFF_FILES, outside);
  const after = scan.entries;
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const files: WorkspaceDiff['files'] = [];
  const parts: string[] = [];
  let bytes = 0;
  let truncated = scan.truncated;
  for (const file of paths) {
    const old = before.get(file);
    const now = after.get(file);
    // A partial scan cannot tell a deletion from a file it did not reach.
    if (old && !now && scan.truncated) continue;
    if (old && now && same(old, now)) continue;
    const change = !old ? 'added' : !now ? 'deleted' : 'changed';
    const patch = patchOf(file, old, now);
    files.push({ path: file, change, ...(patch.binary ? { binary: true } : {}) });
    if (bytes + patch.text.length > maxBytes) {
      truncated = true;
      continue;
    }
    bytes += patch.text.length;
    parts.push(patch.text);
  }
  if (truncated) parts.push(`... diff truncated (at most ${Math.round(maxBytes / 1024)} KiB and ${limits.maxFiles ?? MAX_DIFF_FILES} files are kept; the file list names every change found)\n`);
  return { files, diff: parts.join(''), truncated, outside };
}
