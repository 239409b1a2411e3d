/**
 * A system-test fixture may be a git repository at a ref (`{"git": "repo", "ref": "v1"}`, relative
 * to the pack): the pack reader takes that ref's committed tree (`git archive`) into the snapshot the
 * task carries, with the folder rules (no `.git`, nothing untracked, no link out).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readPackFile } from '../../core/pack.js';
import type { FixtureSnapshot } from '../../core/runs/fixture.js';
import { tempDir } from '../helpers.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, stdio: 'pipe' });

/** A pack folder with a repository `repo` whose tag v1 holds math.js, and whose main moved on. */
function packWithRepo(): string {
  const root = tempDir('mittelo-git-fixture-');
  dirs.push(root);
  const repo = path.join(root, 'repo');
  fs.mkdirSync(repo);
  git(repo, 'init', '-q');
  fs.writeFileSync(path.join(repo, 'math.js'), 'exports.add = (a, b) => a - b;\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'v1');
  git(repo, 'tag', 'v1');
  fs.writeFileSync(path.join(repo, 'math.js'), 'exports.add = (a, b) => a + b;\n');
  fs.writeFileSync(path.join(repo, 'notes.md'), 'later\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'v2');
  fs.writeFileSync(path.join(repo, 'untracked.txt'), 'not committed\n');
  return root;
}

function pack(root: string, fixture: unknown): string {
  const file = path.join(root, 'p.jsonl');
  fs.writeFileSync(file, `${JSON.stringify({ id: 'fix', prompt: 'fix add', fixture, check: 'node -e 1' })}\n`);
  return file;
}

const files = (snapshot: FixtureSnapshot) => snapshot.files.map((f) => ('base64' in f ? [f.path, Buffer.from(f.base64, 'base64').toString('utf8')] : [f.path, `-> ${f.link}`]));

describe('git fixtures', () => {
  it("take the ref's committed tree: no .git, nothing untracked, nothing from later commits", () => {
    const root = packWithRepo();
    const [entry] = readPackFile(pack(root, { git: 'repo', ref: 'v1' }));
    const snapshot = entry?.fixture as FixtureSnapshot;
    expect(snapshot.name).toBe('repo@v1');
    expect(files(snapshot)).toEqual([['math.js', 'exports.add = (a, b) => a - b;\n']]);
    const [head] = readPackFile(pack(root, { git: 'repo', ref: 'main' }));
    expect(files(head?.fixture as FixtureSnapshot).map(([p]) => p)).toEqual(['math.js', 'notes.md']);
  });

  it('an unknown ref, a missing repository or a ref that looks like an option is an error naming the pack line', () => {
    const root = packWithRepo();
    expect(() => readPackFile(pack(root, { git: 'repo', ref: 'v9' }))).toThrow(/p\.jsonl: prompt fix: fixture git "repo" at "v9": .*(not a valid object name|unknown revision|v9)/);
    expect(() => readPackFile(pack(root, { git: 'nope', ref: 'v1' }))).toThrow(/fixture git "nope" at "v1": .*nope does not exist/);
    expect(() => readPackFile(pack(root, { git: 'repo', ref: '--output=/tmp/x' }))).toThrow(/fixture\.ref: must be a ref name, not an option/);
  });

  it('a committed link that points out of the repository is refused, as in a folder', () => {
    const root = packWithRepo();
    const repo = path.join(root, 'repo');
    fs.symlinkSync('/etc/passwd', path.join(repo, 'passwd'));
    git(repo, 'add', 'passwd');
    git(repo, 'commit', '-q', '-m', 'leak');
    git(repo, 'tag', 'leaky');
    expect(() => readPackFile(pack(root, { git: 'repo', ref: 'leaky' }))).toThrow(/passwd/);
  });
});
