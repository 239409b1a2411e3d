/**
 * The last rule of finding a hub (core/session/connect.ts), on real hubs, sockets and database
 * files: a hub that answers is used as it is; only when nothing answers may a hub be embedded, on
 * an existing database or (when allowed) a new one; a hub that answers with an error is never
 * replaced by an embedded one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HubError } from '../../core/errors.js';
import { openSession, withSession, type EmbedRule } from '../../core/session/connect.js';
import { closedPort, startTestHub, tempDir } from '../helpers.js';

function embedOn(dbPath: string, create: boolean): EmbedRule {
  return { dbPath, create, said: (db) => `embedded on ${db}` };
}

describe('a client session', () => {
  it('uses a hub that answers, and stopping the session leaves that hub running', async () => {
    const hub = await startTestHub();
    const dbPath = path.join(tempDir(), 'unused.db');
    try {
      const lines: string[] = [];
      const session = await openSession({ host: hub.host, port: hub.port }, embedOn(dbPath, true), (line) => lines.push(line));
      expect(session).toMatchObject({ embedded: false, address: { host: hub.host, port: hub.port } });
      await session.stop();
      expect(await withSession({ host: hub.host, port: hub.port }, null, () => undefined, (c) => c.stats())).toMatchObject({ queued: 0 });
      expect(lines).toEqual([]);
      expect(fs.existsSync(dbPath)).toBe(false);
    } finally {
      await hub.stop();
    }
  });

  it('embeds a hub on the database when nothing answers, says so, and stops it afterwards', async () => {
    const port = await closedPort();
    const dbPath = path.join(tempDir(), 'new.db');
    const lines: string[] = [];
    const stats = await withSession({ host: '127.0.0.1', port }, embedOn(dbPath, true), (line) => lines.push(line), async (c) => {
      await c.enqueue({ prompt: 'kept in the file' });
      return c.stats();
    });
    expect(stats.queued).toBe(1);
    expect(lines.join('\n')).toContain(`no hub at 127.0.0.1:${port}; embedded on ${path.relative(process.cwd(), dbPath)}`);
    // Stopped: the database is free again and holds the task.
    const reopened = await startTestHub({ dbPath });
    try {
      expect(reopened.queue.stats().queued).toBe(1);
    } finally {
      await reopened.stop();
    }
  });

  it('does not make a database it may only read: nothing answers and none exists is "unreachable"', async () => {
    const port = await closedPort();
    const dbPath = path.join(tempDir(), 'missing.db');
    const failure = await openSession({ host: '127.0.0.1', port }, embedOn(dbPath, false), () => undefined).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(HubError);
    expect((failure as HubError).code).toBe('unreachable');
    expect(fs.existsSync(dbPath)).toBe(false);
    // And without an embed rule at all, the same.
    await expect(openSession({ host: '127.0.0.1', port }, null, () => undefined)).rejects.toMatchObject({ code: 'unreachable' });
  });

  it('a hub that refuses the token is an error, not a reason to embed another one', async () => {
    const hub = await startTestHub({ token: 'the-right-token' });
    const dbPath = path.join(tempDir(), 'never.db');
    try {
      await expect(openSession({ host: hub.host, port: hub.port, token: 'a-wrong-token' }, embedOn(dbPath, true), () => undefined)).rejects.toMatchObject({ code: 'unauthorized' });
      expect(fs.existsSync(dbPath)).toBe(false);
    } finally {
      await hub.stop();
    }
  });

  it('a database that cannot be opened is named, not hidden behind "unreachable" alone', async () => {
    const port = await closedPort();
    const dbPath = path.join(tempDir(), 'corrupt.db');
    fs.writeFileSync(dbPath, 'this is not a SQLite file, just some text long enough to have a header');
    const before = fs.readFileSync(dbPath);
    await expect(openSession({ host: '127.0.0.1', port }, embedOn(dbPath, false), () => undefined)).rejects.toThrow(
      new RegExp(`no hub answers at 127\\.0\\.0\\.1:${port}, and the local database cannot be opened: `),
    );
    expect(fs.readFileSync(dbPath).equals(before)).toBe(true);
  });
});
