/** The switcher's memory of workspaces (app.json) and the check of a typed folder path. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RECENT_KEPT, readAppRecord, recentWorkspaces, rememberWorkspace, workspaceFolder, writeAppRecord } from '../../core/app/workspace.js';
import { tempDir } from '../helpers.js';

const root = tempDir('mittelo-recent-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('recent workspaces', () => {
  it('newest first, no repeats, at most RECENT_KEPT; the last one is the last opened', () => {
    const config = path.join(root, 'config-a');
    for (let i = 0; i < RECENT_KEPT + 3; i++) rememberWorkspace(config, `/w/${i}`);
    rememberWorkspace(config, '/w/5');
    const recent = recentWorkspaces(config);
    expect(recent[0]).toBe('/w/5');
    expect(recent).toHaveLength(RECENT_KEPT);
    expect(new Set(recent).size).toBe(recent.length);
    expect(readAppRecord(config).last_workspace).toBe('/w/5');
  });

  it('a record written before the list existed still offers its last workspace', () => {
    const config = path.join(root, 'config-b');
    writeAppRecord(config, { last_workspace: '/old/one' });
    expect(recentWorkspaces(config)).toEqual(['/old/one']);
  });
});

describe('workspaceFolder', () => {
  it('takes an existing folder, a ~ path in the home folder, and trims the input', () => {
    fs.mkdirSync(path.join(root, 'home', 'ws'), { recursive: true });
    expect(workspaceFolder(`  ${root}/home/ws/  `)).toBe(path.join(root, 'home', 'ws'));
    expect(workspaceFolder('~/ws', path.join(root, 'home'))).toBe(path.join(root, 'home', 'ws'));
  });

  it('refuses a relative path, a missing folder and a file, naming the problem', () => {
    fs.writeFileSync(path.join(root, 'file.txt'), 'x');
    expect(() => workspaceFolder('ws')).toThrow(/"ws" is not a full path/);
    expect(() => workspaceFolder(path.join(root, 'nope'))).toThrow(/there is no folder .*nope/);
    expect(() => workspaceFolder(path.join(root, 'file.txt'))).toThrow(/is a file, not a folder/);
  });
});
