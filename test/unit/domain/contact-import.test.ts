import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  detectFormat,
  guessMapping,
  type ImportApi,
  isGzip,
  mapCsvRows,
  parseCsv,
  parsePinpointExport,
  runImport,
  validateContacts,
} from '#domain/contact-import.ts';

const CSV = [
  'Customer ID,E-mail Address,First Name,Last name,Time zone,Unsubscribed',
  'c1,ann@example.com,Ann,Lee,Europe/Paris,no',
  'c2,"bob@example.com",Bob,"Smith, Jr.",,yes',
  '',
  'c3,not-an-email,Cy,,Moon/Base,maybe',
  'c4,dee@example.com,Dee,,,',
  'c1,ann2@example.com,Ann,,,',
].join('\r\n');

describe('CSV contacts', () => {
  it('reads quoted cells, skips blank lines and numbers rows by their line in the file', () => {
    const table = parseCsv(CSV);
    expect(table.columns).toEqual([
      'Customer ID',
      'E-mail Address',
      'First Name',
      'Last name',
      'Time zone',
      'Unsubscribed',
    ]);
    expect(table.rows.map((r) => r.line)).toEqual([2, 3, 5, 6, 7]);
    expect(table.rows[1]!.values['Last name']).toBe('Smith, Jr.');
  });

  it('guesses the mapping from column names', () => {
    expect(guessMapping(parseCsv(CSV).columns)).toEqual({
      id: 'Customer ID',
      email: 'E-mail Address',
      firstName: 'First Name',
      lastName: 'Last name',
      timeZone: 'Time zone',
      optOut: 'Unsubscribed',
    });
  });

  it('maps, then validates every row as the API would, naming the line and the field of each error', () => {
    const table = parseCsv(CSV);
    const mapped = mapCsvRows(table, guessMapping(table.columns));
    expect(mapped.rejected).toEqual([{ line: 5, reasons: [expect.stringMatching(/Opted out: "maybe"/)] }]);
    expect(mapped.rows[1]!.profile).toEqual({
      id: 'c2',
      email: 'bob@example.com',
      firstName: 'Bob',
      lastName: 'Smith, Jr.',
      optOut: true,
    });
    const checked = validateContacts([
      ...mapped.rows,
      { line: 9, profile: { id: 'c9', email: 'x@example.com', timeZone: 'Moon/Base' } },
      { line: 10, profile: { id: 'bad id!' } },
    ]);
    expect(checked.valid.map((r) => r.line)).toEqual([2, 3, 6]);
    expect(checked.rejected).toEqual([
      { line: 7, reasons: ['Profile id: c1 is also on line 2'] },
      { line: 9, reasons: ['Time zone: unknown IANA time zone'] },
      { line: 10, reasons: [expect.stringMatching(/^Profile id: letters, digits/)] },
    ]);
  });

  it('reports rows the parser cannot read', () => {
    const table = parseCsv('id,email\na,a@example.com\nb,b@example.com,extra\n');
    expect(table.rows.map((r) => r.line)).toEqual([2]);
    expect(table.rejected).toEqual([{ line: 3, reasons: [expect.stringMatching(/fields/i)] }]);
  });
});

describe('Amazon Pinpoint endpoint export', () => {
  const endpoint = (over: Record<string, unknown>) =>
    JSON.stringify({
      ChannelType: 'EMAIL',
      Address: 'ann@example.com',
      Id: 'ep-1',
      EndpointStatus: 'ACTIVE',
      OptOut: 'NONE',
      Demographic: { Timezone: 'Europe/Paris' },
      User: { UserId: 'u-ann', UserAttributes: { FirstName: ['Ann'], LastName: ['Lee'] } },
      ...over,
    });

  it('takes one profile per user from its active email endpoint, with names, time zone and opt-out', () => {
    const text = [
      endpoint({}),
      endpoint({ ChannelType: 'SMS', Address: '+15550100', Id: 'ep-2' }),
      endpoint({ Id: 'ep-3', Address: 'ann.other@example.com' }),
      endpoint({ Id: 'ep-4', User: { UserId: 'u-bob' }, Address: 'bob@example.com', OptOut: 'ALL' }),
      endpoint({ Id: 'ep-5', User: undefined, Address: 'cy@example.com', EndpointStatus: 'INACTIVE' }),
      endpoint({
        Id: 'ep-6',
        User: undefined,
        Address: 'dee@example.com',
        Attributes: { first_name: ['Dee'] },
      }),
      'not json',
      '',
    ].join('\n');
    expect(detectFormat(text)).toBe('pinpoint');
    const result = parsePinpointExport(text);
    expect(result.rows).toEqual([
      {
        line: 1,
        profile: {
          id: 'u-ann',
          email: 'ann@example.com',
          firstName: 'Ann',
          lastName: 'Lee',
          timeZone: 'Europe/Paris',
          optOut: false,
        },
      },
      {
        line: 4,
        profile: { id: 'u-bob', email: 'bob@example.com', timeZone: 'Europe/Paris', optOut: true },
      },
      {
        line: 6,
        profile: {
          id: 'ep-6',
          email: 'dee@example.com',
          firstName: 'Dee',
          timeZone: 'Europe/Paris',
          optOut: false,
        },
      },
    ]);
    expect(result.rejected).toEqual([
      { line: 3, reasons: ['user u-ann already has an email endpoint on line 1'] },
      { line: 7, reasons: ['not a JSON endpoint object'] },
    ]);
    expect(result.skipped).toEqual([
      { line: 2, reason: 'SMS channel' },
      { line: 5, reason: 'inactive endpoint' },
    ]);
  });

  it('recognizes a gzipped export by its magic number', () => {
    expect(isGzip(gzipSync(Buffer.from(endpoint({}))))).toBe(true);
    expect(isGzip(Buffer.from('id,email'))).toBe(false);
    expect(detectFormat('id,email\n')).toBe('csv');
  });
});

describe('runImport', () => {
  const rows = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      line: i + 2,
      profile: { id: `p${i}`, email: `p${i}@example.com` },
    }));

  it('imports in chunks of 1,000: profiles first, then their audience membership, reporting progress', async () => {
    const calls: string[] = [];
    const api: ImportApi = {
      async upsert(profiles, index) {
        calls.push(`upsert ${index} ${profiles.length}`);
        return { ok: true, ids: profiles.map((p) => p.id!), created: profiles.length - 1, updated: 1 };
      },
      async addMembers(ids, index) {
        calls.push(`members ${index} ${ids.length}`);
      },
    };
    const seen: number[] = [];
    const result = await runImport(rows(2500), api, (p) => seen.push(p.done));
    expect(calls).toEqual([
      'upsert 0 1000',
      'members 0 1000',
      'upsert 1 1000',
      'members 1 1000',
      'upsert 2 500',
      'members 2 500',
    ]);
    expect(seen).toEqual([0, 1000, 2000, 2500, 2500]);
    expect(result).toMatchObject({ done: 2500, total: 2500, created: 2497, updated: 3, rejected: [] });
  });

  it('rejects the rows a refused chunk names and sends the rest of the chunk again', async () => {
    const sent: number[] = [];
    const api: ImportApi = {
      async upsert(profiles) {
        sent.push(profiles.length);
        if (profiles.length === 3)
          return {
            ok: false,
            message: 'Some profiles are not valid.',
            fields: [{ field: 'profiles[1].email', message: 'must be an email address' }],
          };
        return { ok: true, ids: profiles.map((p) => p.id!), created: profiles.length, updated: 0 };
      },
      async addMembers() {},
    };
    const result = await runImport(rows(3), api);
    expect(sent).toEqual([3, 2]);
    expect(result.created).toBe(2);
    expect(result.rejected).toEqual([{ line: 3, reasons: ['email: must be an email address'] }]);
  });
});
