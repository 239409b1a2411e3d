/**
 * After `mittelo run` with its in-process hub, no hub runs: `mittelo runs` and `mittelo compare`
 * then read the workspace's database through an in-process hub of their own, instead of failing
 * with "hub unreachable". `--no-embedded` keeps the old refusal; an import may create the database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunInfo } from '../../core/runs/types.js';
import { closedPort, runCli, tempDir } from '../helpers.js';
import { Workspace } from '../runs-helpers.js';

let ws: Workspace;
const made: string[] = [];

beforeAll(async () => {
  ws = new Workspace(await closedPort());
  ws.backend('echoer', 'cat');
});

afterAll(() => {
  ws.remove();
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

describe('runs and compare without a hub', () => {
  it('list, show and compare the runs an embedded `mittelo run` recorded, saying where they read from', async () => {
    ws.pack('local', [{ id: 'p', prompt: 'same answer' }]);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const run = await ws.cli(['run', '--pack', 'local.jsonl', '--backend', 'echoer', '--json']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain('started one in this process');
      ids.push((JSON.parse(run.stdout) as { run: RunInfo }).run.run_id);
    }
    expect(fs.existsSync(path.join(ws.dir, '.mittelo', 'mittelo.db'))).toBe(true);

    const listed = await ws.cli(['runs', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { run: RunInfo }[]).map((r) => r.run.run_id)).toEqual([...ids].reverse());
    expect(listed.stderr).toContain(`mittelo runs list: no hub at 127.0.0.1:${ws.port}; using .mittelo/mittelo.db directly`);

    const shown = await ws.json<{ run: RunInfo }>(['runs', 'show', ids[0] ?? '']);
    expect(shown.run.run_id).toBe(ids[0]);

    const compared = await ws.compare(ids[0] ?? '', ids[1] ?? '');
    expect(compared.pairs.map((p) => p.category)).toEqual(['unchanged']);
  }, 60_000);

  it('--no-embedded, or no database here, is the plain "hub unreachable" error', async () => {
    const refused = await ws.cli(['runs', '--no-embedded']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`hub unreachable at 127.0.0.1:${ws.port}`);
    expect(refused.stderr).not.toContain('directly');

    const empty = tempDir('mittelo-nodb-');
    made.push(empty);
    const none = await runCli(['runs', '--port', String(ws.port)], {}, empty);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('hub unreachable');
    // Listing did not create a database where there was none.
    expect(fs.existsSync(path.join(empty, '.mittelo'))).toBe(false);
  });

  it('imports an exported run into a fresh folder, creating its database', async () => {
    const [original] = (JSON.parse((await ws.cli(['runs', '--json'])).stdout) as { run: RunInfo }[]).map((r) => r.run.run_id);
    const exported = path.join(ws.dir, 'exported');
    expect((await ws.cli(['runs', 'export', original ?? '', exported])).code).toBe(0);

    const fresh = tempDir('mittelo-import-');
    made.push(fresh);
    const imported = await runCli(['runs', 'import', exported, '--port', String(ws.port), '--json'], {}, fresh);
    expect(imported.code, imported.stderr).toBe(0);
    expect(fs.existsSync(path.join(fresh, '.mittelo', 'mittelo.db'))).toBe(true);
    const { run_id: importedId } = JSON.parse(imported.stdout) as { run_id: string };
    const listed = await runCli(['runs', '--port', String(ws.port), '--json'], {}, fresh);
    expect((JSON.parse(listed.stdout) as { run: RunInfo }[]).map((r) => r.run.run_id)).toEqual([importedId]);
  });

  it('names a corrupt local database instead of hiding it behind "hub unreachable"', async () => {
    const broken = tempDir('mittelo-corrupt-');
    made.push(broken);
    fs.mkdirSync(path.join(broken, '.mittelo'));
    const file = path.join(broken, '.mittelo', 'mittelo.db');
    const garbage = 'this is not a database'.repeat(100);
    fs.writeFileSync(file, garbage);
    const result = await runCli(['runs', '--port', String(ws.port)], {}, broken);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no hub answers at 127\.0\.0\.1:\d+, and the local database cannot be opened: .*mittelo\.db is unreadable or corrupt/);
    expect(fs.readFileSync(file, 'utf8')).toBe(garbage); // left as it was, never recreated
  });
});
