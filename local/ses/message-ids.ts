/**
 * Message ids as SES gives them, unique for the life of the data folder, in place of the SES emulator's: it draws
 * `ses-<9 digits>` from 900 million random values, so two of 30,000 messages share an id about 4 times in 10, and
 * an id names one message in everything downstream (the journal, the event simulator, the sending log's index,
 * the ingester's dedupe). The SES front rewrites the ids of every send answer with these before anyone sees them.
 */
import { randomUUID } from 'node:crypto';
import type { SesOperation } from './journal.ts';

/**
 * An id in SES's shape, `0100<12 hex: milliseconds since 1970>-<UUID>-000000` (as
 * `010001812c1f0b70-7e5d3c16-8f3f-4c4b-9a3e-2d0c9c0e3a11-000000`): a random UUID (122 random bits) after the
 * time, so no two messages of a data folder share one, whatever the emulator drew.
 */
export const newSesMessageId = (now: number = Date.now(), uuid: string = randomUUID()): string =>
  `0100${now.toString(16).padStart(12, '0').slice(-12)}-${uuid}-000000`;

interface SendEmailAnswer {
  MessageId?: unknown;
}
interface SendBulkEmailAnswer {
  BulkEmailEntryResults?: Array<{ MessageId?: unknown }>;
}

/**
 * The body of a successful SendEmail or SendBulkEmail answer with every message id replaced by a new one; any
 * other body (an error, something that is not JSON) as it was.
 */
export const withUniqueMessageIds = (
  operation: SesOperation,
  body: Buffer,
  next: () => string = () => newSesMessageId(),
): Buffer => {
  let answer: unknown;
  try {
    answer = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  if (!answer || typeof answer !== 'object') return body;
  if (operation === 'SendEmail') {
    const one = answer as SendEmailAnswer;
    if (typeof one.MessageId !== 'string') return body;
    return Buffer.from(JSON.stringify({ ...one, MessageId: next() }));
  }
  const bulk = answer as SendBulkEmailAnswer;
  if (!Array.isArray(bulk.BulkEmailEntryResults)) return body;
  return Buffer.from(
    JSON.stringify({
      ...bulk,
      BulkEmailEntryResults: bulk.BulkEmailEntryResults.map((result) =>
        typeof result.MessageId === 'string' ? { ...result, MessageId: next() } : result,
      ),
    }),
  );
};
