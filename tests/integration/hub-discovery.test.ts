/**
 * A second app on a workspace whose app already runs a hub uses that hub at the port it recorded
 * (the first one may have moved off 8765), instead of looking for it on the default port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHub } from '../../core/session/open-hub.js';
import { runningHubOf, workspaceTokenPath } from '../../core/session/workspace-token.js';
import { readTokenFile } from '../../core/wire/auth.js';
import { cliPath, tempDir } from '../helpers.js';

const root = tempDir('mittelo-discovery-');
const workspace = path.join(root, 'workspace');
let serve: ChildProcess;

beforeAll(async () => {
  fs.mkdirSync(workspace, { recursive: true });
  const env = { ...process.env, HOME: root, XDG_CONFIG_HOME: path.join(root, 'config'), MITTELO_HOST: '', MITTELO_PORT: '', MITTELO_DB: '', MITTELO_TOKEN: '', MITTELO_SERVE_TOKEN: '' };
  serve = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--hub-port', '0', '--no-rest', '--no-agents', '--workspace', workspace], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    serve.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (/Mittelo Control Center: http/.test(out)) resolve();
    });
    serve.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
});

afterAll(async () => {
  if (serve.exitCode === null) {
    serve.kill('SIGTERM');
    await new Promise((resolve) => serve.once('exit', resolve));
  }
  fs.rmSync(root, { recursive: true, force: true });
});

describe('a second app on the same workspace', () => {
  it('uses the running hub at its recorded port, not the default one', async () => {
    const record = runningHubOf(workspace);
    expect(record?.port).toBeGreaterThan(0);
    const opened = await openHub({
      dbPath: path.join(workspace, '.mittelo', 'mittelo.db'),
      restPort: null,
      token: readTokenFile(workspaceTokenPath(workspace)),
      log: () => undefined,
    });
    expect(opened.hub).toBeNull();
    expect(opened.address.port).toBe(record?.port);
    expect(opened.notes.join(' ')).toContain(`the app uses it at 127.0.0.1:${record?.port}`);
  });
});
