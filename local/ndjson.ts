/** Reading the runtime's append-only NDJSON files (the SES journal, the event simulator's state). */
import { existsSync, readFileSync } from 'node:fs';

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
