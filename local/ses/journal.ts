/**
 * The SES front's journal: one NDJSON line per message of every send request (SendEmail, SendBulkEmail) with the
 * message id SES answered, its sender, destination, configuration set and email tags. The emulator accepts
 * configuration sets and tags but does not store them: this journal is the record of what was sent.
 */
import { type NdjsonIndex, ndjsonIndex, readNdjson } from './ndjson.ts';

export const JOURNAL_FILE = 'ses-journal.ndjson';

export type SesOperation = 'SendEmail' | 'SendBulkEmail';

export interface SesTag {
  name: string;
  value: string;
}

export interface SesJournalEntry {
  /** When the answer was journaled (ISO 8601). */
  at: string;
  /** When the request reached the SES front (ISO 8601): what SES counts against the maximum send rate. */
  receivedAt?: string;
  /** One id per HTTP request; the entries of one SendBulkEmail share it. */
  requestId: string;
  operation: SesOperation;
  /** `sent`: SES accepted the message; `throttled`: answered 429; `rejected`: any other refusal. */
  outcome: 'sent' | 'throttled' | 'rejected';
  httpStatus: number;
  messageId: string | null;
  from: string | null;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  configurationSetName: string | null;
  tags: SesTag[];
  /** The message's own headers (SendEmail Simple content `Headers`: List-Unsubscribe…), when it had any. */
  headers?: Record<string, string>;
  error?: string;
  /** The answer never reached the client (injected lost answer): the connection was destroyed instead. */
  answerLost?: true;
}

export type SentListener = (entry: SesJournalEntry) => void;

interface Destination {
  ToAddresses?: string[];
  CcAddresses?: string[];
  BccAddresses?: string[];
}
interface Tag {
  Name?: string;
  Value?: string;
}
interface SendEmailBody {
  FromEmailAddress?: string;
  Destination?: Destination;
  ConfigurationSetName?: string;
  EmailTags?: Tag[];
  Content?: { Simple?: { Headers?: Array<{ Name?: string; Value?: string }> } };
}

const headersOf = (req: SendEmailBody): { headers?: Record<string, string> } => {
  const list = req.Content?.Simple?.Headers ?? [];
  return list.length > 0
    ? { headers: Object.fromEntries(list.filter((h) => h.Name).map((h) => [h.Name!, h.Value ?? ''])) }
    : {};
};
interface SendBulkEmailBody {
  FromEmailAddress?: string;
  ConfigurationSetName?: string;
  DefaultEmailTags?: Tag[];
  BulkEmailEntries?: Array<{ Destination?: Destination; ReplacementTags?: Tag[] }>;
}
interface BulkResult {
  BulkEmailEntryResults?: Array<{ MessageId?: string; Status?: string; Error?: string }>;
}

const parseJson = <T>(buffer: Buffer): T | null => {
  try {
    return JSON.parse(buffer.toString('utf8')) as T;
  } catch {
    return null;
  }
};

const destinationOf = (d: Destination | undefined) => ({
  to: d?.ToAddresses ?? [],
  cc: d?.CcAddresses ?? [],
  bcc: d?.BccAddresses ?? [],
});

const tagsOf = (...lists: Array<Tag[] | undefined>): SesTag[] => {
  const byName = new Map<string, string>();
  for (const list of lists)
    for (const t of list ?? []) if (t.Name !== undefined) byName.set(t.Name, t.Value ?? '');
  return [...byName].map(([name, value]) => ({ name, value }));
};

/** One journal entry per message of a send request (one for SendEmail, one per entry for SendBulkEmail). */
export const journalEntries = (
  operation: SesOperation,
  requestBody: Buffer,
  status: number,
  responseBody: Buffer,
  requestId: string,
  at = new Date(),
  receivedAt?: Date,
): SesJournalEntry[] => {
  const base = {
    at: at.toISOString(),
    ...(receivedAt ? { receivedAt: receivedAt.toISOString() } : {}),
    requestId,
    operation,
    httpStatus: status,
  };
  const failed = status === 429 ? 'throttled' : 'rejected';
  const errorOf = () => {
    const b = parseJson<{ message?: string; detail?: string }>(responseBody);
    return [b?.message, b?.detail].filter(Boolean).join(': ') || `HTTP ${status}`;
  };
  if (operation === 'SendEmail') {
    const req = parseJson<SendEmailBody>(requestBody) ?? {};
    const ok = status >= 200 && status < 300;
    return [
      {
        ...base,
        outcome: ok ? 'sent' : failed,
        messageId: ok ? (parseJson<{ MessageId?: string }>(responseBody)?.MessageId ?? null) : null,
        from: req.FromEmailAddress ?? null,
        destination: destinationOf(req.Destination),
        configurationSetName: req.ConfigurationSetName ?? null,
        tags: tagsOf(req.EmailTags),
        ...headersOf(req),
        ...(ok ? {} : { error: errorOf() }),
      },
    ];
  }
  const req = parseJson<SendBulkEmailBody>(requestBody) ?? {};
  const results =
    status >= 200 && status < 300 ? (parseJson<BulkResult>(responseBody)?.BulkEmailEntryResults ?? []) : [];
  return (req.BulkEmailEntries ?? []).map((entry, i): SesJournalEntry => {
    const result = results[i];
    const ok = result?.Status === 'SUCCESS';
    return {
      ...base,
      outcome: ok ? 'sent' : result ? 'rejected' : failed,
      messageId: ok ? (result?.MessageId ?? null) : null,
      from: req.FromEmailAddress ?? null,
      destination: destinationOf(entry.Destination),
      configurationSetName: req.ConfigurationSetName ?? null,
      tags: tagsOf(req.DefaultEmailTags, entry.ReplacementTags),
      ...(ok
        ? {}
        : { error: result ? `${result.Status ?? 'FAILED'}: ${result.Error ?? ''}`.trim() : errorOf() }),
    };
  });
};

/** Reads a journal; a line cut short by a crash mid-write is skipped. */
export const readJournal = (journalPath: string): SesJournalEntry[] =>
  readNdjson<SesJournalEntry>(journalPath);

/** The journal's accepted messages by message id, each read back from its line (`ndjsonIndex`). */
export const journalIndex = (journalPath: string): NdjsonIndex<SesJournalEntry> =>
  ndjsonIndex<SesJournalEntry>(journalPath, (e) =>
    e.outcome === 'sent' && e.messageId ? e.messageId : null,
  );

/**
 * The messages SES accepted for each recipient of one delivery, by its `recipient` tag (what a crash test and the
 * fault bench count duplicates and unsent recipients with).
 */
export const messagesPerRecipient = (
  entries: readonly SesJournalEntry[],
  deliveryId: string,
): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const e of entries) {
    if (e.outcome !== 'sent' || !e.tags.some((t) => t.name === 'delivery' && t.value === deliveryId))
      continue;
    const recipient = e.tags.find((t) => t.name === 'recipient')?.value;
    if (recipient !== undefined) counts.set(recipient, (counts.get(recipient) ?? 0) + 1);
  }
  return counts;
};
