/**
 * `npm run import` against the embedded runtime: a CSV into a new audience, then a gzipped Pinpoint export into
 * the same one (found by name), with the rejected rows named by line; bad usage exits 2.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { client, useRuntime } from '#test/helpers/runtime.ts';

const runtime = useRuntime({ seed: false });
const REPO = resolve(import.meta.dirname, '../..');
const folder = mkdtempSync(join(tmpdir(), 'cas-import-'));

const cli = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['scripts/import.ts', ...args], {
      cwd: REPO,
      env: { ...process.env, CAS_API_URL: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe('npm run import', () => {
  it('imports a CSV, then a gzipped Pinpoint export, into one audience found by name', async () => {
    const csv = join(folder, 'contacts.csv');
    writeFileSync(
      csv,
      [
        'id,email,first_name',
        'cli-1,a@example.com,Ann',
        'cli-2,b@example.com,Bob',
        'cli-3,not-an-address,Cy',
      ].join('\n'),
    );
    const first = await cli(csv, '--audience', 'CLI buyers', '--local', runtime().url);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Imported into "CLI buyers": 2 created, 0 updated, 1 rejected.');
    expect(first.stderr).toContain('line 4: Email address: must be an email address');

    const export_ = join(folder, 'endpoints.json.gz');
    const endpoint = (id: string, userId: string, address: string) =>
      JSON.stringify({
        ChannelType: 'EMAIL',
        Id: id,
        Address: address,
        User: { UserId: userId },
        OptOut: 'NONE',
      });
    writeFileSync(
      export_,
      gzipSync(
        [endpoint('e1', 'cli-2', 'b2@example.com'), endpoint('e2', 'cli-4', 'd@example.com')].join('\n'),
      ),
    );
    const second = await cli(export_, '--audience', 'CLI buyers', '--local', runtime().url);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('1 created, 1 updated, 0 rejected');

    const c = client(runtime().url);
    const token = await c.signIn('pat', ['prepare-deliveries']);
    const audiences = await c.api('GET', '/audiences', {}, { token });
    const mine = audiences.body.items.filter((a: { name: string }) => a.name === 'CLI buyers');
    expect(mine).toHaveLength(1);
    expect(mine[0].memberCount).toBe(3);
    const bob = await c.api('GET', '/profiles/{id}', { id: 'cli-2' }, { token });
    expect(bob.body).toMatchObject({ email: 'b2@example.com', firstName: 'Bob' });
  });

  it('exits 2 with a one-line reason and the usage for bad usage', async () => {
    const missing = await cli('nope.csv', '--audience', 'X', '--local', runtime().url);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^Cannot read nope\.csv: ENOENT\.\nUsage: npm run import -- <file>/);
    const noAudience = await cli('nope.csv', '--local');
    expect(noAudience.code).toBe(2);
    expect(noAudience.stderr.split('\n')[0]).toBe('Name the audience: --audience <name>.');
    const help = await cli('--help');
    expect(help.code).toBe(2);
    expect(help.stderr.trim()).toMatch(/^Usage: npm run import/);
  });
});
