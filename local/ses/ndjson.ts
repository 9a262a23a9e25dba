/** The SES stand-ins' append-only NDJSON files (the SES front's journal, the event simulator's state). */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeSync,
} from 'node:fs';

/** Every line of an NDJSON file as JSON; a line cut short by a crash mid-write is skipped; no file is no lines. */
export const readNdjson = <T>(path: string): T[] => {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((line) => {
      if (!line.trim()) return [];
      try {
        return [JSON.parse(line) as T];
      } catch {
        return [];
      }
    });
};

export interface AppendLog {
  /** Appends the values, one JSON line each, with one synchronous write: a killed process loses none of them. */
  append(values: readonly unknown[]): void;
  close(): void;
}

/**
 * Opens an NDJSON file for appending. A line a crash cut short ends here, so the next one starts on a line of its
 * own. With `fsync`, each append is flushed to the disk (survives power loss, not only a killed process).
 */
export const openAppendLog = (path: string, options: { fsync?: boolean } = {}): AppendLog => {
  const fd = openSync(path, 'a+');
  const { size } = fstatSync(fd);
  if (size > 0) {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    if (last[0] !== 0x0a) writeSync(fd, '\n');
  }
  return {
    append(values) {
      if (values.length === 0) return;
      writeSync(fd, values.map((value) => `${JSON.stringify(value)}\n`).join(''));
      if (options.fsync) fsyncSync(fd);
    },
    close: () => closeSync(fd),
  };
};

export interface NdjsonIndex<T> {
  /** The last line whose key is `key`, or null: read from the file at its offset. */
  find(key: string): T | null;
}

/** Bytes read at a time while the index catches up with the file. */
const INDEX_CHUNK = 1 << 20;

/**
 * Finds the lines of an append-only NDJSON file by a key without reading the whole file for each: an index of each
 * keyed line's offset (`keyOf` null: not indexed), extended from where it last stopped when a key is not in it yet,
 * so a file that grows is read once in all, and a line is read back at its offset. A line not ended yet (being
 * written, or cut short by a crash) is indexed once it ends; one that is not JSON is skipped.
 */
export const ndjsonIndex = <T>(path: string, keyOf: (value: T) => string | null): NdjsonIndex<T> => {
  const offsets = new Map<string, { start: number; length: number }>();
  /** Bytes of whole lines indexed so far. */
  let indexed = 0;

  const catchUp = () => {
    if (!existsSync(path)) return;
    const size = statSync(path).size;
    if (size <= indexed) return;
    const fd = openSync(path, 'r');
    try {
      const chunk = Buffer.alloc(INDEX_CHUNK);
      let carry = Buffer.alloc(0);
      let position = indexed;
      while (position < size) {
        const read = readSync(fd, chunk, 0, Math.min(INDEX_CHUNK, size - position), position);
        if (read === 0) break;
        position += read;
        const buffer =
          carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, read)]) : chunk.subarray(0, read);
        let lineStart = 0;
        for (let nl = buffer.indexOf(0x0a); nl !== -1; nl = buffer.indexOf(0x0a, lineStart)) {
          const line = buffer.subarray(lineStart, nl);
          if (line.length > 0) {
            try {
              const key = keyOf(JSON.parse(line.toString('utf8')) as T);
              if (key !== null) offsets.set(key, { start: indexed + lineStart, length: line.length });
            } catch {
              // Not JSON (a line a crash cut short, then ended by the next writer): skipped, as readNdjson does.
            }
          }
          lineStart = nl + 1;
        }
        indexed += lineStart;
        carry = Buffer.from(buffer.subarray(lineStart));
      }
    } finally {
      closeSync(fd);
    }
  };

  return {
    find(key) {
      let at = offsets.get(key);
      if (!at) {
        catchUp();
        at = offsets.get(key);
      }
      if (!at) return null;
      const fd = openSync(path, 'r');
      try {
        const line = Buffer.alloc(at.length);
        readSync(fd, line, 0, at.length, at.start);
        return JSON.parse(line.toString('utf8')) as T;
      } finally {
        closeSync(fd);
      }
    },
  };
};
