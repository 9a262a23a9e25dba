/**
 * fauxqs keeps the queues in SQLite (WAL mode) and commits every message change (sent, received, deleted) in a
 * transaction of its own, with SQLite's default `synchronous = FULL`: an fsync of the WAL per change, about 1 ms
 * each on this machine's disk, on the runtime's one thread. A recipient's two SES events alone are six changes:
 * the bench's CPU profile of a send showed these calls taking a quarter of the runtime's busy time.
 * `synchronous = NORMAL` keeps every committed change through a killed process (in WAL mode only a power loss or
 * an OS crash may lose the last ones: the durability of the SES front's journal, which does not fsync either) at
 * about 0.05 ms a change. fauxqs has no option for it, so its connection gets it right after its
 * `PRAGMA journal_mode = WAL`, while `start` runs.
 */
import { DatabaseSync } from 'node:sqlite';

const WAL = /^\s*PRAGMA\s+journal_mode\s*=\s*WAL\s*;?\s*$/i;

/** Runs `start`; a connection that turns WAL mode on meanwhile also gets `PRAGMA synchronous = NORMAL`. */
export const withWalSynchronousNormal = async <T>(start: () => Promise<T>): Promise<T> => {
  const exec = DatabaseSync.prototype.exec;
  DatabaseSync.prototype.exec = function (this: DatabaseSync, sql: string) {
    exec.call(this, sql);
    if (WAL.test(sql)) exec.call(this, 'PRAGMA synchronous = NORMAL');
  };
  try {
    return await start();
  } finally {
    DatabaseSync.prototype.exec = exec;
  }
};
