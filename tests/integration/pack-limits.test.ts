/**
 * A pack is read whole before anything is enqueued, so its size is bounded: `--pack /dev/zero` grew
 * the CLI to 2.8 GB. Too large a pack and too long a line are refused at once, naming the file.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { MAX_PACK_BYTES, MAX_PACK_LINE_BYTES } from '../../core/pack.js';
import { cliPath, closedPort, runCli, tempDir } from '../helpers.js';

const dir = tempDir('mittelo-pack-limits-');

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** `mittelo run --pack FILE` against no hub: the pack is read (and refused) before any connection. */
async function runPack(file: string) {
  return runCli(['run', '--pack', file, '--backend', 'shell', '--no-embedded', '--port', String(await closedPort())], {}, dir);
}

it('a pack larger than the limit is refused before it is read', async () => {
  const file = path.join(dir, 'huge.jsonl');
  fs.writeFileSync(file, '{"prompt":"first"}\n');
  fs.truncateSync(file, MAX_PACK_BYTES + 1); // sparse: the rest reads as NULs
  const result = await runPack(file);
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain(`pack ${file} is larger than 64 MiB`);
});

it('/dev/zero as a pack is refused once the limit is read, not read forever', async () => {
  const result = await runPack('/dev/zero');
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain('pack /dev/zero is larger than 64 MiB');
});

it('a line longer than one request line is refused, naming file and line', async () => {
  const file = path.join(dir, 'long-line.jsonl');
  const prompt = 'x'.repeat(MAX_PACK_LINE_BYTES);
  fs.writeFileSync(file, `{"prompt":"short"}\n${JSON.stringify({ prompt })}\n`);
  const result = await runPack(file);
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain(`${file}:2: the line is longer than ${MAX_PACK_LINE_BYTES} bytes`);
});

it('a pack given as a pipe (/dev/stdin) is still read', async () => {
  const port = await closedPort();
  // A shell pipe, as a user would write it (a Node child's stdin is a socket, which /dev/stdin cannot open).
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn('sh', ['-c', `printf '{"prompt":"from a pipe"}\\n' | "$0" "$1" run --pack /dev/stdin --backend shell --no-embedded --port ${port}`, process.execPath, cliPath], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
  // Read and parsed: what stops it is the missing hub, not the pack.
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(/hub unreachable/);
});
