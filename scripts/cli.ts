/**
 * What the operator CLIs (`npm run redrive`, `npm run compute-stats`) share: their usage errors, `--help`, and
 * the exit codes both give (0 after the help, 2 after one line naming the problem and where the help is).
 */
export class UsageError extends Error {}
export class HelpWanted extends Error {}

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
