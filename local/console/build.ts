/**
 * Builds the console (`vite build`, console/ → console/dist) when its build is missing or older than its sources,
 * so `npm start` stays the whole set-up. The build runs in a child process beside the runtime's start (the API does
 * not wait for it); it writes to a temporary folder swapped in at the end, under a lock file, so runtimes started
 * at the same time (tests) build once and never serve a half-written folder.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join, relative } from 'node:path';

/** What the console's build reads besides console/: the root package files and the domain code it imports. */
const EXTRA_SOURCES = ['package.json', 'package-lock.json', 'shared/domain'];
const SKIPPED = new Set(['dist', 'node_modules']);

export interface ConsolePaths {
  root: string;
  consoleDir: string;
  distDir: string;
  lockFile: string;
}

export const consolePaths = (root: string): ConsolePaths => ({
  root,
  consoleDir: join(root, 'console'),
  distDir: join(root, 'console', 'dist'),
  lockFile: join(root, 'console', '.build.lock'),
});

/** The newest modification time (ms) of what `dir` holds, skipping build output and hidden files. */
const newestEntryMtime = (dir: string): number => {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIPPED.has(entry.name)) continue;
    newest = Math.max(newest, newestMtime(join(dir, entry.name)));
  }
  return newest;
};

/** The newest modification time (ms) under `path`, skipping build output and hidden files. */
export const newestMtime = (path: string): number => {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, newestEntryMtime(path));
};

/** Why the console needs a build ("missing", "stale"), or null when console/dist is newer than every source. */
export const consoleBuildNeeded = (paths: ConsolePaths): 'missing' | 'stale' | null => {
  const index = join(paths.distDir, 'index.html');
  if (!existsSync(index)) return 'missing';
  const built = statSync(index).mtimeMs;
  // console/ itself by its entries only: the build's own swap of dist and its lock file change the folder's time.
  const sources = Math.max(
    existsSync(paths.consoleDir) ? newestEntryMtime(paths.consoleDir) : 0,
    ...EXTRA_SOURCES.map((p) => newestMtime(join(paths.root, p))),
  );
  return sources > built ? 'stale' : null;
};

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Takes the lock file (true), or answers false while another live process holds it; a dead holder's lock is taken over. */
const tryLock = (lockFile: string): boolean => {
  try {
    const fd = openSync(lockFile, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = Number(readFileSync(lockFile, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) return false;
    rmSync(lockFile, { force: true });
    return tryLock(lockFile);
  }
};

const runVite = (paths: ConsolePaths, outDir: string, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(paths.root, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--config',
        join(paths.consoleDir, 'vite.config.ts'),
        '--outDir',
        outDir,
        '--emptyOutDir',
        '--logLevel',
        'warn',
      ],
      { cwd: paths.root, stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`vite build exited with ${code}:\n${output.slice(-4000)}`)),
    );
  });

export type BuildOutcome = 'fresh' | 'built';

/**
 * Builds console/dist if it is missing or stale. Waits for a build another process is running, then checks again.
 * Resolves 'fresh' (nothing to do) or 'built'; rejects with vite's output when the build fails.
 */
export const ensureConsoleBuilt = async (
  root: string,
  log: (line: string) => void = () => {},
  signal?: AbortSignal,
): Promise<BuildOutcome> => {
  const paths = consolePaths(root);
  for (;;) {
    const need = consoleBuildNeeded(paths);
    if (!need) return 'fresh';
    signal?.throwIfAborted();
    if (!tryLock(paths.lockFile)) {
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    try {
      // Checked again under the lock: another process may have just finished.
      if (!consoleBuildNeeded(paths)) return 'fresh';
      const started = performance.now();
      log(`Building the console (${need === 'missing' ? 'no build yet' : 'sources changed'})…`);
      const tmp = join(paths.consoleDir, `.dist-${process.pid}`);
      const old = join(paths.consoleDir, `.dist-old-${process.pid}`);
      try {
        await runVite(paths, tmp, signal);
        if (existsSync(paths.distDir)) renameSync(paths.distDir, old);
        renameSync(tmp, paths.distDir);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
        rmSync(old, { recursive: true, force: true });
      }
      log(
        `Console built in ${((performance.now() - started) / 1000).toFixed(1)} s (${relative(root, paths.distDir)})`,
      );
      return 'built';
    } finally {
      rmSync(paths.lockFile, { force: true });
    }
  }
};
