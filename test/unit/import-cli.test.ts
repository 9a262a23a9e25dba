import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseArgs, readContacts, UsageError } from '#scripts/import.ts';

describe('npm run import: arguments', () => {
  it('takes a file, an audience and where the API is', () => {
    expect(parseArgs(['c.csv', '--audience', 'Buyers', '--local'])).toEqual({
      file: 'c.csv',
      audience: 'Buyers',
      local: 'http://127.0.0.1:3000',
      api: null,
      map: {},
    });
    expect(
      parseArgs(['--audience=VIP', 'x.json.gz', '--local', 'http://127.0.0.1:4000', '--map', 'email=Mail']),
    ).toMatchObject({
      file: 'x.json.gz',
      audience: 'VIP',
      local: 'http://127.0.0.1:4000',
      map: { email: 'Mail' },
    });
    expect(parseArgs(['c.csv', '--audience', 'A'], { CAS_API_URL: 'https://api.example.com' }).api).toBe(
      'https://api.example.com',
    );
  });

  it.each([
    [[], /Name the file/],
    [['c.csv', '--local'], /--audience/],
    [['c.csv', '--audience', 'A'], /Say where the API is/],
    [['c.csv', '--audience'], /--audience needs a value/],
    [['c.csv', '--audience', 'A', '--local', '--map', 'colour=Red'], /--map takes field=Column/],
    [['c.csv', 'd.csv', '--audience', 'A', '--local'], /One file at a time/],
    [['c.csv', '--audience', 'A', '--frobnicate'], /Unknown option --frobnicate/],
    [['--help'], /^$/],
  ])('refuses %j as bad usage', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('npm run import: reading the file', () => {
  it('reads a CSV with the guessed mapping, overridden by --map, and refuses an unknown column', () => {
    const csv = Buffer.from('Ref,Contact,Given\nr1,a@example.com,Ann\nr2,nope,Bob\n');
    const read = readContacts(csv, { id: 'Ref', email: 'Contact', firstName: 'Given' });
    expect(read.rows).toEqual([{ line: 2, profile: { id: 'r1', email: 'a@example.com', firstName: 'Ann' } }]);
    expect(read.rejected).toEqual([{ line: 3, reasons: ['Email address: must be an email address'] }]);
    expect(() => readContacts(csv, {})).toThrow(/use --map email=<column>/);
    expect(() => readContacts(csv, { email: 'Nope' })).toThrow(/No column "Nope"/);
  });

  it('reads a gzipped Pinpoint export', () => {
    const line = JSON.stringify({
      ChannelType: 'EMAIL',
      Address: 'a@example.com',
      Id: 'e1',
      User: { UserId: 'u1' },
      OptOut: 'ALL',
    });
    const read = readContacts(gzipSync(`${line}\n${JSON.stringify({ ChannelType: 'SMS', Id: 'e2' })}\n`), {});
    expect(read).toEqual({
      format: 'pinpoint',
      rows: [{ line: 1, profile: { id: 'u1', email: 'a@example.com', optOut: true } }],
      rejected: [],
      skipped: 1,
    });
  });
});
