/**
 * The one set of rules for finding a hub (core/session/hub-address.ts), on real record and token
 * files: what was given wins, then the workspace's running hub, then the user index, then the
 * default address; a token never goes to a host that is not loopback.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORT } from '../../core/config.js';
import { clientAddress, hubAddress } from '../../core/session/hub-address.js';
import { ensureWorkspaceToken, recordRunningHub } from '../../core/session/workspace-token.js';
import { tempDir } from '../helpers.js';

/** A workspace whose app hub runs (this process's pid, so the record counts as live) at `port`. */
function runningWorkspace(port: number, host = '127.0.0.1'): { ws: string; config: string; dbPath: string; token: string; forget: () => void } {
  const ws = tempDir('mittelo-ws-');
  const config = tempDir('mittelo-config-');
  const token = ensureWorkspaceToken(ws);
  const forget = recordRunningHub(ws, config, { host, port, rest_url: null });
  return { ws, config, dbPath: path.join(ws, '.mittelo', 'mittelo.db'), token, forget };
}

describe('finding a hub', () => {
  it('with nothing given and no hub recorded: the default address, no token', () => {
    const ws = tempDir('mittelo-ws-');
    expect(hubAddress({ dbPath: path.join(ws, '.mittelo', 'mittelo.db'), configDir: tempDir('mittelo-config-') })).toEqual({ host: '127.0.0.1', port: DEFAULT_PORT });
  });

  it("with nothing given: the workspace's running hub, at its recorded port, with the workspace token", () => {
    const hub = runningWorkspace(48_811);
    try {
      expect(hubAddress({ dbPath: hub.dbPath, configDir: hub.config })).toEqual({ host: '127.0.0.1', port: 48_811, token: hub.token });
      // The same port given explicitly is still that hub.
      expect(hubAddress({ dbPath: hub.dbPath, configDir: hub.config, port: 48_811 })).toEqual({ host: '127.0.0.1', port: 48_811, token: hub.token });
    } finally {
      hub.forget();
    }
  });

  it('a token given pins the address: the given or default port, not the recorded one', () => {
    const hub = runningWorkspace(48_812);
    try {
      expect(hubAddress({ dbPath: hub.dbPath, configDir: hub.config, token: 'given' })).toEqual({ host: '127.0.0.1', port: DEFAULT_PORT, token: 'given' });
      expect(hubAddress({ dbPath: hub.dbPath, configDir: hub.config, token: 'given', port: 48_900 })).toEqual({ host: '127.0.0.1', port: 48_900, token: 'given' });
    } finally {
      hub.forget();
    }
  });

  it("another port given: that port, with the token of the workspace whose hub the user index puts there", () => {
    const other = runningWorkspace(48_813);
    const here = tempDir('mittelo-ws-');
    try {
      expect(hubAddress({ dbPath: path.join(here, '.mittelo', 'mittelo.db'), configDir: other.config, port: 48_813 })).toEqual({ host: '127.0.0.1', port: 48_813, token: other.token });
      expect(hubAddress({ dbPath: path.join(here, '.mittelo', 'mittelo.db'), configDir: other.config, port: 48_814 })).toEqual({ host: '127.0.0.1', port: 48_814 });
    } finally {
      other.forget();
    }
  });

  it('a host that is not loopback gets no workspace token and no recorded port', () => {
    const hub = runningWorkspace(48_815);
    try {
      expect(hubAddress({ dbPath: hub.dbPath, configDir: hub.config, host: '192.0.2.7' })).toEqual({ host: '192.0.2.7', port: DEFAULT_PORT });
    } finally {
      hub.forget();
    }
  });

  it('a hub recorded on a wildcard address is reached on loopback', () => {
    const hub = runningWorkspace(48_816, '0.0.0.0');
    try {
      expect(hubAddress({ dbPath: hub.dbPath, configDir: hub.config })).toMatchObject({ host: '127.0.0.1', port: 48_816 });
    } finally {
      hub.forget();
    }
  });

  it('an unreadable token file still finds the recorded port; the hub then says a token is needed', () => {
    const hub = runningWorkspace(48_817);
    try {
      fs.rmSync(path.join(hub.ws, '.mittelo', 'token'));
      expect(hubAddress({ dbPath: hub.dbPath, configDir: hub.config })).toEqual({ host: '127.0.0.1', port: 48_817 });
    } finally {
      hub.forget();
    }
  });

  it('command flags beat MITTELO_* variables, which beat the workspace record', () => {
    const hub = runningWorkspace(48_818);
    const env = { XDG_CONFIG_HOME: path.dirname(hub.config), MITTELO_DB: hub.dbPath };
    try {
      expect(clientAddress({}, env)).toEqual({ host: '127.0.0.1', port: 48_818, token: hub.token });
      expect(clientAddress({}, { ...env, MITTELO_PORT: '48901' })).toEqual({ host: '127.0.0.1', port: 48_901 });
      expect(clientAddress({ port: 48_902 }, { ...env, MITTELO_PORT: '48901' })).toEqual({ host: '127.0.0.1', port: 48_902 });
      expect(clientAddress({ token: 'flag' }, { ...env, MITTELO_TOKEN: 'env' })).toEqual({ host: '127.0.0.1', port: DEFAULT_PORT, token: 'flag' });
      expect(clientAddress({}, { ...env, MITTELO_TOKEN: 'env', MITTELO_HOST: 'localhost' })).toEqual({ host: 'localhost', port: DEFAULT_PORT, token: 'env' });
      expect(() => clientAddress({}, { ...env, MITTELO_PORT: 'eighty' })).toThrow(/MITTELO_PORT must be a port number/);
    } finally {
      hub.forget();
    }
  });
});
