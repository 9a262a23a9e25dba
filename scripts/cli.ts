/**
 * What the operator CLIs (`npm run redrive`, `npm run compute-stats`) share: their usage errors, `--help`, and
 * the exit codes both give (0 after the help, 2 after one line naming the problem and where the help is).
 */
export class UsageError extends Error {}
export class HelpWanted extends Error {}

/** Where `--local` points without a URL: `npm start`'s default address. */
export const DEFAULT_LOCAL_URL = 'http://127.0.0.1:3000';

/**
 * Reads `--local`, `--local=URL` or `--local URL` at `argv[i]`: the runtime's URL (the default without one) and the
 * index of the last argument it took. A value that is not an http(s) URL is a usage error.
 */
export const localOption = (argv: readonly string[], i: number): { url: string; last: number } => {
  const arg = argv[i]!;
  const next = argv[i + 1];
  let url = DEFAULT_LOCAL_URL;
  let last = i;
  if (arg.startsWith('--local=')) url = arg.slice('--local='.length);
  else if (next !== undefined && /^https?:\/\//.test(next)) {
    url = next;
    last = i + 1;
  }
  if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`--local takes a URL, not "${url}".`);
  return { url, last };
};

export interface Out {
  log: (line: string) => void;
  error: (line: string) => void;
}

/** `parse(argv)`'s arguments, or the exit code once the help or the usage error is printed. */
export const parseOrExit = <T>(
  command: string,
  help: string,
  parse: (argv: readonly string[]) => T,
  argv: readonly string[],
  out: Out,
): { args: T } | { exit: number } => {
  try {
    return { args: parse(argv) };
  } catch (error) {
    if (error instanceof HelpWanted) {
      out.log(help);
      return { exit: 0 };
    }
    if (!(error instanceof UsageError)) throw error;
    out.error(`${command}: ${error.message} (npm run ${command} -- --help)`);
    return { exit: 2 };
  }
};
