/**
 * How many times `mittelo run` repeats each prompt: --repeat, else the pack header's `repeat`, else
 * `packs.<pack>.repeat` of mittelo.config.json, else 1; a bad config value is refused before anything
 * is queued, naming the file and the field. Through the real CLI against a real hub, and the app's
 * Runs page (runs.start) the same way.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../core/hub.js';
import { startTestApp } from '../app-helpers.js';
import { startTestHub } from '../helpers.js';
import { stopTestHub, Workspace } from '../runs-helpers.js';

let hub: RunningHub & { dbPath: string };
let ws: Workspace;

beforeAll(async () => {
  hub = await startTestHub();
  ws = new Workspace(hub.port);
  ws.backend('echoing', 'cat');
});

afterAll(async () => {
  await stopTestHub(hub);
  ws.remove();
});

const configFile = () => path.join(ws.dir, 'mittelo.config.json');
const writeConfig = (config: unknown) => fs.writeFileSync(configFile(), JSON.stringify(config));

/** The run's repeat and its task count (two prompts). */
async function repeatOf(args: string[]): Promise<{ repeat: number; tasks: number }> {
  const result = await ws.run([...args, '--backend', 'echoing']);
  expect(result.code, result.stderr).toBe(0);
  return { repeat: result.out.run.repeat, tasks: result.out.rollups[0]?.total ?? 0 };
}

describe('repeat: --repeat > pack header > mittelo.config.json > 1', () => {
  it('takes the config default for a pack without a header, and only for that pack', async () => {
    writeConfig({ packs: { plain: { repeat: 3 } } });
    ws.pack('plain', [{ id: 'a', prompt: 'alpha' }, { id: 'b', prompt: 'beta' }]);
    ws.pack('other', [{ id: 'a', prompt: 'alpha' }, { id: 'b', prompt: 'beta' }]);
    expect(await repeatOf(['--pack', 'plain.jsonl'])).toEqual({ repeat: 3, tasks: 6 });
    expect(await repeatOf(['--pack', 'other.jsonl'])).toEqual({ repeat: 1, tasks: 2 });
  });

  it('the pack header wins over the config, --repeat over both', async () => {
    writeConfig({ packs: { headed: { repeat: 3 } } });
    fs.writeFileSync(path.join(ws.dir, 'headed.jsonl'), '{"pack": {"repeat": 2}}\n{"id":"a","prompt":"alpha"}\n{"id":"b","prompt":"beta"}\n');
    expect(await repeatOf(['--pack', 'headed.jsonl'])).toEqual({ repeat: 2, tasks: 4 });
    expect(await repeatOf(['--pack', 'headed.jsonl', '--repeat', '4'])).toEqual({ repeat: 4, tasks: 8 });
  });

  it('--config FILE is read the same way', async () => {
    const other = path.join(ws.dir, 'nightly.config.json');
    fs.writeFileSync(other, JSON.stringify({ packs: { plain: { repeat: 5 } } }));
    ws.pack('plain', [{ id: 'a', prompt: 'alpha' }, { id: 'b', prompt: 'beta' }]);
    expect(await repeatOf(['--pack', 'plain.jsonl', '--config', other])).toEqual({ repeat: 5, tasks: 10 });
  });

  it('a bad value or a misspelt key is refused, naming the file and the field, and nothing is queued', async () => {
    ws.pack('plain', [{ id: 'a', prompt: 'alpha' }]);
    const before = await ws.json<unknown[]>(['runs', 'list']);
    const cases: [unknown, RegExp][] = [
      [{ packs: { plain: { repeat: 0 } } }, /packs\.plain\.repeat: .*(>=|at least|greater).*1/i],
      [{ packs: { plain: { repeat: 2.5 } } }, /packs\.plain\.repeat: .*(integer|int)/i],
      [{ packs: { plain: { repeat: '3' } } }, /packs\.plain\.repeat: .*number/i],
      [{ packs: { plain: { repeats: 3 } } }, /packs\.plain: .*repeats/i],
      [{ packs: [] }, /packs: /],
    ];
    for (const [config, message] of cases) {
      writeConfig(config);
      const result = await ws.cli(['run', '--no-embedded', '--pack', 'plain.jsonl', '--backend', 'echoing']);
      expect(result.code, JSON.stringify(config)).not.toBe(0);
      expect(result.stderr).toContain(`config file ${configFile()}: `);
      expect(result.stderr).toMatch(message);
    }
    expect(await ws.json<unknown[]>(['runs', 'list'])).toHaveLength(before.length);
  });
});

it('the app starts a run with the config default too, and its own repeat field wins', async () => {
  const app = await startTestApp();
  try {
    fs.writeFileSync(path.join(app.workspace, 'packs', 'two.jsonl'), '{"id":"a","prompt":"alpha"}\n{"id":"b","prompt":"beta"}\n');
    fs.writeFileSync(path.join(app.workspace, 'mittelo.config.json'), JSON.stringify({ packs: { two: { repeat: 3 } } }));
    const byConfig = await app.ok('runs.start', { pack: 'two', backends: ['echo'] });
    expect(byConfig.tasks).toBe(6);
    const given = await app.ok('runs.start', { pack: 'two', backends: ['echo'], repeat: 1 });
    expect(given.tasks).toBe(2);
  } finally {
    await app.remove();
  }
});
