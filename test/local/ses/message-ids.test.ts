/** The SES front's message ids: SES's shape, and every id of a send answer replaced, nothing else. */
import { describe, expect, it } from 'vitest';
import { newSesMessageId, withUniqueMessageIds } from '#local/ses/message-ids.ts';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const parsed = (body: Buffer) => JSON.parse(body.toString('utf8')) as Record<string, unknown>;

describe('SES front message ids', () => {
  it('are written as SES writes them: 0100, the time in 12 hex digits, a UUID, -000000', () => {
    const id = newSesMessageId(Date.UTC(2026, 10, 22), '7e5d3c16-8f3f-4c4b-9a3e-2d0c9c0e3a11');
    expect(id).toBe(
      `0100${Date.UTC(2026, 10, 22).toString(16).padStart(12, '0')}-7e5d3c16-8f3f-4c4b-9a3e-2d0c9c0e3a11-000000`,
    );
    expect(new Set(Array.from({ length: 1_000 }, () => newSesMessageId(0))).size).toBe(1_000);
  });

  it('replace the id of a SendEmail answer and of each accepted SendBulkEmail entry', () => {
    let n = 0;
    const next = () => `id-${++n}`;
    expect(parsed(withUniqueMessageIds('SendEmail', json({ MessageId: 'ses-1' }), next))).toEqual({
      MessageId: 'id-1',
    });
    const bulk = withUniqueMessageIds(
      'SendBulkEmail',
      json({
        BulkEmailEntryResults: [
          { Status: 'SUCCESS', MessageId: 'ses-1' },
          { Status: 'FAILED', Error: 'no' },
          { Status: 'SUCCESS', MessageId: 'ses-1' },
        ],
      }),
      next,
    );
    expect(parsed(bulk)).toEqual({
      BulkEmailEntryResults: [
        { Status: 'SUCCESS', MessageId: 'id-2' },
        { Status: 'FAILED', Error: 'no' },
        { Status: 'SUCCESS', MessageId: 'id-3' },
      ],
    });
  });

  it('leave any other body as it was', () => {
    for (const body of [Buffer.from('not json'), json(null), json({ message: 'Bad request' }), json([])])
      expect(withUniqueMessageIds('SendEmail', body)).toBe(body);
    expect(withUniqueMessageIds('SendBulkEmail', json({ MessageId: 'x' })).toString()).toBe(
      '{"MessageId":"x"}',
    );
  });
});
