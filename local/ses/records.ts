/**
 * SES event-publishing records, with the shape of AWS's published examples (shared/fixtures/aws-events/ses/bare):
 * the `mail` object every record of a message shares, and each event's own object (see `buildRecord`).
 */
import { createHash } from 'node:crypto';
import type { SesJournalEntry } from './journal.ts';
import { bareAddress, DEMO_LINK, type PlannedEvent, recipientsOf, type SimulatedEvent } from './mailbox.ts';

/** What SES says when it bounces an address of its suppression list (mailbox simulator `suppressionlist@`). */
export const SUPPRESSED_DIAGNOSTIC =
  'Amazon SES has suppressed sending to this address because it has a recent history of bouncing as an invalid address. For more information about how to remove an address from the suppression list, see the Amazon SES Developer Guide: https://docs.aws.amazon.com/ses/latest/DeveloperGuide/remove-from-suppressionlist.html ';
export const USER_UNKNOWN_DIAGNOSTIC = 'smtp; 550 5.1.1 user unknown';
const COMPLAINT_USER_AGENT = 'Amazon SES Mailbox Simulator';
const DEMO_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const LOCAL_IP = '127.0.0.1';

export interface RecordContext {
  region: string;
  accountId: string;
  /** The configuration set of messages sent without one (an identity's default configuration set). */
  defaultConfigurationSet: string;
  /** When the event happened. */
  at: Date;
}

export interface TrackingFacts {
  userAgent: string;
  ipAddress: string;
  link?: string;
  linkTags?: Record<string, string[]>;
}

type JournalEntryWithSubject = SesJournalEntry & { subject?: string };

const hex = (text: string, length: number) =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

/** A stable UUID (version 5 layout) for a name: the same event always gets the same SNS MessageId. */
export const stableUuid = (name: string): string => {
  const h = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** A feedback id as SES writes them: `0100<12 hex>-<uuid>-000000`. */
const feedbackId = (name: string) => `0100${hex(`time:${name}`, 12)}-${stableUuid(name)}-000000`;

const domainOf = (address: string) => bareAddress(address).split('@')[1] ?? '';

/** `mail.tags`: SES's own tags, then the message's, each a list of values. */
export const mailTags = (
  entry: SesJournalEntry,
  context: Pick<RecordContext, 'defaultConfigurationSet'>,
  extra: Record<string, string[]> = {},
): Record<string, string[]> => ({
  'ses:configuration-set': [entry.configurationSetName ?? context.defaultConfigurationSet],
  'ses:source-ip': [LOCAL_IP],
  'ses:from-domain': [domainOf(entry.from ?? '')],
  'ses:caller-identity': ['local'],
  ...extra,
  ...Object.fromEntries(entry.tags.map((t) => [t.name, [t.value]])),
});

/** The `mail` object of every record of a message. */
export const mailObject = (
  entry: SesJournalEntry,
  context: Omit<RecordContext, 'at'>,
  extraTags: Record<string, string[]> = {},
) => {
  const from = entry.from ?? '';
  const subject =
    (entry as JournalEntryWithSubject).subject ?? '(subject not journaled by the local SES front)';
  const configurationSet = entry.configurationSetName ?? context.defaultConfigurationSet;
  const { to, cc } = entry.destination;
  const headers = [
    { name: 'X-SES-CONFIGURATION-SET', value: configurationSet },
    ...(entry.tags.length > 0
      ? [{ name: 'X-SES-MESSAGE-TAGS', value: entry.tags.map((t) => `${t.name}=${t.value}`).join(', ') }]
      : []),
    { name: 'From', value: from },
    { name: 'To', value: to.join(', ') },
    ...(cc.length > 0 ? [{ name: 'Cc', value: cc.join(', ') }] : []),
    { name: 'Subject', value: subject },
    { name: 'MIME-Version', value: '1.0' },
    {
      name: 'Content-Type',
      value: `multipart/alternative; boundary="----=_Part_${hex(entry.messageId ?? '', 12)}"`,
    },
    { name: 'Message-ID', value: `<${entry.messageId}@email.amazonses.com>` },
  ];
  return {
    timestamp: entry.at,
    source: from,
    sourceArn: `arn:aws:ses:${context.region}:${context.accountId}:identity/${bareAddress(from)}`,
    sendingAccountId: context.accountId,
    messageId: entry.messageId ?? '',
    destination: recipientsOf(entry),
    headersTruncated: false,
    headers,
    commonHeaders: {
      from: [from],
      to,
      ...(cc.length > 0 ? { cc } : {}),
      messageId: entry.messageId ?? '',
      subject,
    },
    tags: mailTags(entry, context, extraTags),
  };
};

const EVENT_TYPE: Record<SimulatedEvent, string> = {
  send: 'Send',
  delivery: 'Delivery',
  bounce: 'Bounce',
  'bounce-suppressed': 'Bounce',
  'auto-reply': 'Bounce',
  complaint: 'Complaint',
  open: 'Open',
  click: 'Click',
};

/**
 * One SES event-publishing record, with the keys of AWS's example of its type (shared/fixtures/aws-events/ses/bare):
 * `eventType`, `mail` and the event's own object. Differences: a Delivery's mail tags add `ses:outgoing-ip` (as
 * AWS's Delivery example); the auto-reply of `ooto@` names only `emailAddress` and has no `reportingMTA` (it is an
 * out-of-office answer, not a DSN: the shape SES's notifications for the simulator show); every record's `mail`
 * has `sourceArn`, which only AWS's Open and Click examples leave out.
 */
export const buildRecord = (
  planned: Pick<PlannedEvent, 'event' | 'recipients'>,
  entry: SesJournalEntry,
  context: RecordContext,
  tracking?: TrackingFacts,
): Record<string, unknown> => {
  const at = context.at.toISOString();
  const name = `${entry.messageId}#${planned.event}#${planned.recipients.join(',')}`;
  const mail = mailObject(
    entry,
    context,
    planned.event === 'delivery' ? { 'ses:outgoing-ip': [LOCAL_IP] } : {},
  );
  const head = { eventType: EVENT_TYPE[planned.event], mail };
  const mta = `a1-1.smtp-out.${context.region}.amazonses.com`;
  switch (planned.event) {
    case 'send':
      return { ...head, send: {} };
    case 'delivery':
      return {
        ...head,
        delivery: {
          timestamp: at,
          processingTimeMillis: Math.max(0, context.at.getTime() - Date.parse(entry.at)),
          recipients: planned.recipients,
          smtpResponse: '250 2.6.0 Message received',
          reportingMTA: mta,
        },
      };
    case 'bounce':
    case 'bounce-suppressed': {
      const suppressed = planned.event === 'bounce-suppressed';
      return {
        ...head,
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: suppressed ? 'Suppressed' : 'General',
          bouncedRecipients: planned.recipients.map((emailAddress) => ({
            emailAddress,
            action: 'failed',
            status: '5.1.1',
            diagnosticCode: suppressed ? SUPPRESSED_DIAGNOSTIC : USER_UNKNOWN_DIAGNOSTIC,
          })),
          timestamp: at,
          feedbackId: feedbackId(name),
          // SES writes "dns; amazonses.com" (sic) on the bounces of its suppression list.
          reportingMTA: suppressed ? 'dns; amazonses.com' : `dsn; ${mta}`,
        },
      };
    }
    case 'auto-reply':
      return {
        ...head,
        bounce: {
          bounceType: 'Transient',
          bounceSubType: 'General',
          bouncedRecipients: planned.recipients.map((emailAddress) => ({ emailAddress })),
          timestamp: at,
          feedbackId: feedbackId(name),
        },
      };
    case 'complaint':
      return {
        ...head,
        complaint: {
          complainedRecipients: planned.recipients.map((emailAddress) => ({ emailAddress })),
          timestamp: at,
          feedbackId: feedbackId(name),
          userAgent: COMPLAINT_USER_AGENT,
          complaintFeedbackType: 'abuse',
          arrivalDate: at,
        },
      };
    case 'open':
      return {
        ...head,
        open: {
          ipAddress: tracking?.ipAddress ?? LOCAL_IP,
          timestamp: at,
          userAgent: tracking?.userAgent ?? DEMO_USER_AGENT,
        },
      };
    case 'click':
      return {
        ...head,
        click: {
          ipAddress: tracking?.ipAddress ?? LOCAL_IP,
          link: tracking?.link ?? DEMO_LINK,
          // A followed link has the tags of its `ses:tags` attribute (none locally); the demo clicks have one.
          linkTags: tracking ? (tracking.linkTags ?? {}) : { 'local:demo': ['true'] },
          timestamp: at,
          userAgent: tracking?.userAgent ?? DEMO_USER_AGENT,
        },
      };
  }
};
