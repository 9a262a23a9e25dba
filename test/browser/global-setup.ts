/**
 * globalSetup of the browser tier: builds the console once (when console/dist is missing or stale), before any
 * runtime starts, so the runtimes the tests start serve it at once.
 */
import { resolve } from 'node:path';
import { ensureConsoleBuilt } from '#local/console/build.ts';

export default async function setup(): Promise<void> {
  await ensureConsoleBuilt(resolve(import.meta.dirname, '../..'), (line) => console.log(line));
}
