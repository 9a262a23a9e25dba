/**
 * The console in the embedded runtime: what the front serves from console/dist (and never instead of an API
 * route), and when the build is stale. In-process, on temporary folders: no build, no emulators.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleBuildNeeded, consolePaths } from '#local/console/build.ts';
import { type ConsoleBuildState, createConsoleHandler } from '#local/console/serve.ts';
import { type HttpFront, startHttpFront } from '#local/gateway/front.ts';
import { createIdentity } from '#local/cognito/identity.ts';

describe('the console beside the API', () => {
  let dir: string;
  let front: HttpFront;
  let build: ConsoleBuildState = { state: 'building' };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cas-console-'));
    const dist = join(dir, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dist, 'assets', 'index-abc.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.txt'), 'not served');
    front = await startHttpFront({
      port: 0,
      console: createConsoleHandler({
        distDir: dist,
        config: () => ({ apiUrl: '', auth: { mode: 'local', users: [] } }),
        build: () => build,
      }),
    });
    front.ready({ identity: await createIdentity(dir), functions: new Map(), localRoutes: [] });
  });

  afterAll(async () => {
    await front.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string, accept = '*/*') => fetch(`${front.url}${path}`, { headers: { accept } });

  it('answers a page that reloads itself while the console is being built, and the API meanwhile', async () => {
    build = { state: 'building' };
    const page = await get('/', 'text/html');
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('http-equiv="refresh"');
    expect((await get('/assets/index-abc.js')).status).toBe(404);
    expect((await get('/config.json')).status).toBe(200);
  });

  it('says why when the build failed, escaped', async () => {
    build = { state: 'failed', error: 'error TS1: <script>' };
    const page = await get('/console/deliveries', 'text/html');
    expect(page.status).toBe(500);
    expect(await page.text()).toContain('error TS1: &lt;script&gt;');
  });

  it('serves /config.json, the built files, and index.html for / and the console routes', async () => {
    build = { state: 'ready' };
    const config = await get('/config.json');
    expect(config.headers.get('cache-control')).toBe('no-store');
    expect(await config.json()).toEqual({ apiUrl: '', auth: { mode: 'local', users: [] } });
    for (const path of ['/', '/console/deliveries/abc', '/console']) {
      const page = await get(path);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toContain('<title>console</title>');
    }
    const asset = await get('/assets/index-abc.js');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await asset.text()).toBe('console.log(1)');
  });

  it('never answers instead of an API route, and leaves unknown paths to API Gateway’s 404 unless a browser asks', async () => {
    build = { state: 'ready' };
    const api = await get('/deliveries/abc', 'text/html');
    expect(api.status).toBe(401);
    expect(await api.json()).toEqual({ message: 'Unauthorized' });
    const unknown = await get('/nope');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: 'Not Found' });
    expect((await get('/nope', 'text/html,application/xhtml+xml')).status).toBe(200);
    const post = await fetch(`${front.url}/console/deliveries`, { method: 'POST' });
    expect(post.status).toBe(404);
  });

  it('serves nothing outside the build folder', async () => {
    build = { state: 'ready' };
    const escaped = await fetch(`${front.url}/%2e%2e/secret.txt`);
    expect(await escaped.text()).not.toContain('not served');
  });
});

describe('consoleBuildNeeded', () => {
  it('asks for a build when dist is missing or older than a source, not otherwise', () => {
    const root = mkdtempSync(join(tmpdir(), 'cas-console-build-'));
    try {
      const paths = consolePaths(root);
      mkdirSync(join(root, 'console', 'src'), { recursive: true });
      mkdirSync(join(root, 'shared', 'domain'), { recursive: true });
      const source = join(root, 'console', 'src', 'main.tsx');
      const domain = join(root, 'shared', 'domain', 'kpis.ts');
      writeFileSync(source, 'x');
      writeFileSync(domain, 'y');
      expect(consoleBuildNeeded(paths)).toBe('missing');
      mkdirSync(paths.distDir);
      const index = join(paths.distDir, 'index.html');
      writeFileSync(index, 'built');
      const t = Date.now() / 1000;
      utimesSync(source, t - 100, t - 100);
      utimesSync(domain, t - 100, t - 100);
      utimesSync(join(root, 'console', 'src'), t - 100, t - 100);
      utimesSync(join(root, 'console'), t - 100, t - 100);
      utimesSync(join(root, 'shared', 'domain'), t - 100, t - 100);
      utimesSync(join(root, 'shared'), t - 100, t - 100);
      utimesSync(index, t - 50, t - 50);
      expect(consoleBuildNeeded(paths)).toBeNull();
      // The build output itself never counts as a source.
      utimesSync(paths.distDir, t, t);
      expect(consoleBuildNeeded(paths)).toBeNull();
      utimesSync(domain, t, t);
      expect(consoleBuildNeeded(paths)).toBe('stale');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('is not stale right after a build: the swap of dist and the lock in console/ are not source changes', () => {
    const root = mkdtempSync(join(tmpdir(), 'cas-console-build-'));
    try {
      const paths = consolePaths(root);
      mkdirSync(join(root, 'console', 'src'), { recursive: true });
      const t = Date.now() / 1000;
      writeFileSync(join(root, 'console', 'src', 'main.tsx'), 'x');
      utimesSync(join(root, 'console', 'src', 'main.tsx'), t - 100, t - 100);
      utimesSync(join(root, 'console', 'src'), t - 100, t - 100);
      // What ensureConsoleBuilt does: vite writes a temporary folder, which is renamed to dist, then the lock goes.
      mkdirSync(join(root, 'console', '.dist-1'));
      writeFileSync(join(root, 'console', '.dist-1', 'index.html'), 'built');
      utimesSync(join(root, 'console', '.dist-1', 'index.html'), t - 50, t - 50);
      renameSync(join(root, 'console', '.dist-1'), paths.distDir);
      writeFileSync(paths.lockFile, '1');
      rmSync(paths.lockFile);
      expect(consoleBuildNeeded(paths)).toBeNull();
      // A new or changed source file in console/ itself still counts.
      writeFileSync(join(root, 'console', 'vite.config.ts'), 'export default {}');
      expect(consoleBuildNeeded(paths)).toBe('stale');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
