/**
 * The SES stand-ins' NDJSON files (local/ses/ndjson.ts): the index that finds a line by its key without reading the
 * whole file for each lookup (the event simulator's opens and clicks of old messages in a 100,000-recipient
 * journal), on real files.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { journalIndex, type SesJournalEntry } from '#local/ses/journal.ts';
import { ndjsonIndex, openAppendLog } from '#local/ses/ndjson.ts';

const dir = mkdtempSync(join(tmpdir(), 'cas-ndjson-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = () => join(dir, `f${++files}.ndjson`);

interface Line {
  id: string | null;
  text: string;
}
const line = (value: Line) => `${JSON.stringify(value)}\n`;
const byId = (path: string) => ndjsonIndex<Line>(path, (l) => l.id);

describe('ndjsonIndex', () => {
  it('finds each keyed line as written, unicode included; unkeyed lines, unknown keys and no file give null', () => {
    const path = file();
    expect(byId(path).find('a')).toBeNull();
    writeFileSync(
      path,
      [
        line({ id: 'a', text: 'première' }),
        line({ id: null, text: 'not indexed' }),
        line({ id: 'b', text: '日本語 ✉️' }),
      ].join(''),
    );
    const index = byId(path);
    expect(index.find('b')).toEqual({ id: 'b', text: '日本語 ✉️' });
    expect(index.find('a')).toEqual({ id: 'a', text: 'première' });
    expect(index.find('not indexed')).toBeNull();
    expect(index.find('zzz')).toBeNull();
  });

  it('follows a file that grows: a key appended after a lookup is found by the next one', () => {
    const path = file();
    writeFileSync(path, line({ id: 'a', text: 'one' }));
    const index = byId(path);
    expect(index.find('a')?.text).toBe('one');
    expect(index.find('b')).toBeNull();
    appendFileSync(path, line({ id: 'b', text: 'two' }));
    expect(index.find('b')?.text).toBe('two');
    expect(index.find('a')?.text).toBe('one');
  });

  it('finds a line only once it ends; one a crash cut short is skipped, and the lines after it are found', () => {
    const path = file();
    const whole = line({ id: 'c', text: 'being written' });
    writeFileSync(path, line({ id: 'a', text: 'one' }) + whole.slice(0, 12));
    const index = byId(path);
    expect(index.find('c')).toBeNull();
    appendFileSync(path, whole.slice(12));
    expect(index.find('c')?.text).toBe('being written');

    // A writer killed mid-line: the next one (openAppendLog) ends that line before its own.
    const cut = file();
    writeFileSync(cut, line({ id: 'a', text: 'one' }) + line({ id: 'b', text: 'two' }).slice(0, 9));
    const log = openAppendLog(cut);
    log.append([{ id: 'd', text: 'after the crash' }]);
    log.close();
    const after = byId(cut);
    expect(after.find('b')).toBeNull();
    expect(after.find('d')?.text).toBe('after the crash');
    expect(after.find('a')?.text).toBe('one');
  });

  it('indexes lines across the reads it makes of a file of several megabytes', () => {
    const path = file();
    // 3,000 lines of about 1.2 KB: some straddle the 1 MB reads.
    const padding = 'x'.repeat(1_200);
    writeFileSync(
      path,
      Array.from({ length: 3_000 }, (_, i) => line({ id: `m${i}`, text: `${i}${padding}` })).join(''),
    );
    const index = byId(path);
    const found = Array.from({ length: 3_000 }, (_, i) => index.find(`m${i}`)?.text);
    expect(found).toEqual(Array.from({ length: 3_000 }, (_, i) => `${i}${padding}`));
  });
});

describe('journalIndex', () => {
  it('finds the messages SES accepted by message id, not the throttled or rejected requests', () => {
    const path = file();
    const entry = (messageId: string | null, outcome: SesJournalEntry['outcome']): SesJournalEntry => ({
      at: '2026-12-03T10:00:00.000Z',
      requestId: `r-${messageId ?? outcome}`,
      operation: 'SendEmail',
      outcome,
      httpStatus: outcome === 'sent' ? 200 : 429,
      messageId,
      from: 'news@example.com',
      destination: { to: ['ann@example.com'], cc: [], bcc: [] },
      configurationSetName: 'local-config-set',
      tags: [{ name: 'recipient', value: 'ann' }],
    });
    writeFileSync(
      path,
      [entry('m-1', 'sent'), entry(null, 'throttled'), entry('m-2', 'sent')]
        .map((e) => `${JSON.stringify(e)}\n`)
        .join(''),
    );
    const index = journalIndex(path);
    expect(index.find('m-2')).toEqual(entry('m-2', 'sent'));
    expect(index.find('m-1')?.requestId).toBe('r-m-1');
    expect(index.find('r-throttled')).toBeNull();
  });
});
