/** The SES stand-ins' append-only NDJSON files (the SES front's journal, the event simulator's state). */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
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
