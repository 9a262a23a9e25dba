import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { withWalSynchronousNormal } from '#local/sqs/sqlite-durability.ts';

const dir = mkdtempSync(join(tmpdir(), 'cas-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** SQLite's synchronous level of a connection: 1 NORMAL, 2 FULL (the default). */
const synchronous = (db: DatabaseSync) =>
  (db.prepare('PRAGMA synchronous').get() as { synchronous: number }).synchronous;

describe('withWalSynchronousNormal', () => {
  it('gives a connection that turns WAL on while it runs synchronous NORMAL, and leaves every other alone', async () => {
    const opened: DatabaseSync[] = [];
    const result = await withWalSynchronousNormal(async () => {
      const wal = new DatabaseSync(join(dir, 'wal.db'));
      wal.exec('PRAGMA journal_mode = WAL');
      const plain = new DatabaseSync(join(dir, 'plain.db'));
      plain.exec('CREATE TABLE t (x)');
      opened.push(wal, plain);
      return 'started';
    });
    expect(result).toBe('started');
    expect(opened.map(synchronous)).toEqual([1, 2]);
    // Afterwards, connections are SQLite's default again.
    const later = new DatabaseSync(join(dir, 'later.db'));
    later.exec('PRAGMA journal_mode = WAL');
    expect(synchronous(later)).toBe(2);
    for (const db of [...opened, later]) db.close();
  });

  it('puts exec back when start fails', async () => {
    const exec = DatabaseSync.prototype.exec;
    await expect(withWalSynchronousNormal(() => Promise.reject(new Error('no port')))).rejects.toThrow(
      'no port',
    );
    expect(DatabaseSync.prototype.exec).toBe(exec);
  });
});
