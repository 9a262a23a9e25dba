/**
 * The SES event simulator (DESIGN section 4): what the configuration set's event destination does in AWS. For each
 * message the SES front journaled as accepted, it publishes the SES event-publishing records SES would, each in
 * the SNS `Notification` envelope an SQS subscription with raw message delivery off receives, to the `events`
 * queue; the ingestion function consumes them as it does in AWS.
 *
 * - Mailbox simulator semantics per recipient (`<local>[+label]@simulator.amazonses.com`, case-insensitive):
 *   `success@` Send, Delivery; `bounce@` Send, Bounce Permanent/General (550 5.1.1); `ooto@` Send, Delivery, then
 *   the auto-reply as SES reports it (a Transient/General bounce naming only the address); `complaint@` Send,
 *   Delivery, Complaint (abuse); `suppressionlist@` Send, Bounce Permanent/Suppressed; any other address Send,
 *   Delivery. Recipients of one message that share an outcome share one record, as SES combines them.
 * - Realistic short delays after the send (Delivery a few hundred ms, then bounces, the auto-reply and the
 *   complaint), scaled by `delayScale` (0 publishes at once); the clock and timers are injectable.
 * - Opens and clicks: `open()` and `click()` publish them for a message (the local tracking routes call them), and
 *   optional random rates add an open (and a click on a demo link) a little after the Delivery.
 * - Nothing lost on a crash: each published event is appended to an NDJSON state file (message id and event) after
 *   SQS accepted it; on start, the journal's messages whose planned events were not all published get the missing
 *   ones, and only those. Each planned event has a deterministic SNS MessageId, so one republished after a crash
 *   between the SQS answer and the state write is an exact duplicate the ingester drops by its envelope id.
 *
 * The records have the shape of AWS's published examples (shared/fixtures/aws-events/ses/bare/*.json): see
 * `buildRecord`. Not reproduced: the subject (the SES front does not journal it; a journal entry carrying a
 * `subject` is used), the message's real MIME headers, and a verifiable SNS signature.
 */
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { readNdjson } from './ndjson.ts';
import { readJournal, type SentListener, type SesJournalEntry } from './ses-front.ts';

export const STATE_FILE = 'ses-events.ndjson';
/** The Subject SES sets on the SNS notifications of event publishing. */
export const SNS_SUBJECT = 'Amazon SES Email Event Notification';
/** Where the random demo clicks go. */
export const DEMO_LINK = 'https://example.com/spring-newsletter';
export const SIMULATOR_DOMAIN = 'simulator.amazonses.com';
/** What SES says when it bounces an address of its suppression list (mailbox simulator `suppressionlist@`). */
export const SUPPRESSED_DIAGNOSTIC =
  'Amazon SES has suppressed sending to this address because it has a recent history of bouncing as an invalid address. For more information about how to remove an address from the suppression list, see the Amazon SES Developer Guide: https://docs.aws.amazon.com/ses/latest/DeveloperGuide/remove-from-suppressionlist.html ';
export const USER_UNKNOWN_DIAGNOSTIC = 'smtp; 550 5.1.1 user unknown';
const COMPLAINT_USER_AGENT = 'Amazon SES Mailbox Simulator';
const DEMO_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const LOCAL_IP = '127.0.0.1';

/** The events the simulator plans for a message, in publishing order; `open` and `click` may also be tracked. */
export type SimulatedEvent =
  'send' | 'delivery' | 'bounce' | 'bounce-suppressed' | 'auto-reply' | 'complaint' | 'open' | 'click';

/** Delay of each planned event after the message was accepted, before scaling. */
export const EVENT_DELAYS_MS: Record<SimulatedEvent, number> = {
  send: 0,
  delivery: 300,
  bounce: 600,
  'bounce-suppressed': 600,
  'auto-reply': 900,
  complaint: 1200,
  open: 2000,
  click: 3000,
};

export type MailboxScenario = 'success' | 'bounce' | 'ooto' | 'complaint' | 'suppressionlist' | 'other';

const SIMULATOR_ADDRESS = /^([^@+]+)(?:\+[^@]*)?@simulator\.amazonses\.com$/i;
const SCENARIOS = new Set<MailboxScenario>(['success', 'bounce', 'ooto', 'complaint', 'suppressionlist']);

/** The bare address of `Name <a@b>` or `a@b`. */
export const bareAddress = (value: string): string => {
  const angled = /<([^<>]+)>\s*$/.exec(value);
  return (angled ? angled[1]! : value).trim();
};

/** What the mailbox simulator does with an address (`+label` honoured, case-insensitive); `other` delivers. */
export const scenarioOf = (address: string): MailboxScenario => {
  const local = SIMULATOR_ADDRESS.exec(bareAddress(address))?.[1]?.toLowerCase();
  return local && SCENARIOS.has(local as MailboxScenario) ? (local as MailboxScenario) : 'other';
};

export interface Engagement {
  open: boolean;
  click: boolean;
}

export interface PlannedEvent {
  event: SimulatedEvent;
  delayMs: number;
  /** The recipients the record names (a Send names the whole destination). */
  recipients: string[];
}

/** Every recipient of a message: SES's `mail.destination` lists To, Cc and Bcc. */
export const recipientsOf = (entry: Pick<SesJournalEntry, 'destination'>): string[] => [
  ...entry.destination.to,
  ...entry.destination.cc,
  ...entry.destination.bcc,
];

/** The events of one accepted message, in publishing order. */
export const planEvents = (
  entry: Pick<SesJournalEntry, 'destination'>,
  engagement: Engagement = { open: false, click: false },
): PlannedEvent[] => {
  const recipients = recipientsOf(entry);
  const having = (...scenarios: MailboxScenario[]) =>
    recipients.filter((r) => scenarios.includes(scenarioOf(r)));
  const delivered = having('success', 'ooto', 'complaint', 'other');
  const steps: Array<[SimulatedEvent, string[]]> = [
    ['send', recipients],
    ['delivery', delivered],
    ['bounce', having('bounce')],
    ['bounce-suppressed', having('suppressionlist')],
    ['auto-reply', having('ooto')],
    ['complaint', having('complaint')],
    ['open', engagement.open || engagement.click ? delivered : []],
    ['click', engagement.click ? delivered : []],
  ];
  return steps
    .filter(([event, names]) => event === 'send' || names.length > 0)
    .map(([event, names]) => ({ event, delayMs: EVENT_DELAYS_MS[event], recipients: names }));
};

/**
 * The random engagement of a message that was delivered to someone: one draw, so that clicks are a subset of
 * opens (a click implies an open): opened with probability max(open, click) rate, clicked with the click rate.
 */
export const drawEngagement = (
  rates: { openRate: number; clickRate: number },
  random: () => number,
): Engagement => {
  if (rates.openRate <= 0 && rates.clickRate <= 0) return { open: false, click: false };
  const u = random();
  return { open: u < Math.max(rates.openRate, rates.clickRate), click: u < rates.clickRate };
};

// ---- Records ----------------------------------------------------------------------------------------------------

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

export interface EnvelopeContext {
  topicArn: string;
  snsMessageId: string;
  at: Date;
}

/** The SNS `Notification` an SQS subscription receives with raw message delivery off (keys as AWS's example). */
export const snsEnvelope = (record: unknown, context: EnvelopeContext) => {
  const region = context.topicArn.split(':')[3] ?? 'us-east-1';
  const message = JSON.stringify(record);
  const timestamp = context.at.toISOString();
  return {
    Type: 'Notification',
    MessageId: context.snsMessageId,
    TopicArn: context.topicArn,
    Subject: SNS_SUBJECT,
    Message: message,
    Timestamp: timestamp,
    SignatureVersion: '1',
    // Not verifiable: there is no SNS signing certificate locally. The same shape (base64 of 256 bytes).
    Signature: Buffer.concat(
      Array.from({ length: 8 }, (_, i) =>
        createHash('sha256').update(`${i}|${context.snsMessageId}|${timestamp}|${message}`).digest(),
      ),
    ).toString('base64'),
    SigningCertURL: `https://sns.${region}.amazonaws.com/SimpleNotificationService-local.pem`,
    UnsubscribeURL: `https://sns.${region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${context.topicArn}:${stableUuid(context.topicArn)}`,
  };
};

export type SnsEnvelope = ReturnType<typeof snsEnvelope>;

/** The local tracking URLs of a message (DESIGN section 6): the open pixel and a click on `link`. */
export const trackingUrls = (baseUrl: string, sesMessageId: string, link = DEMO_LINK) => ({
  openUrl: `${baseUrl}/local/ses/open/${encodeURIComponent(sesMessageId)}`,
  clickUrl: `${baseUrl}/local/ses/click/${encodeURIComponent(sesMessageId)}?link=${encodeURIComponent(link)}`,
});

// ---- State file -------------------------------------------------------------------------------------------------

/** One line of the state file: an event SQS accepted. */
export interface PublishedLine {
  messageId: string;
  event: SimulatedEvent;
  at: string;
  snsMessageId: string;
  /** `tracking`: an open or click someone asked for (not part of the message's plan). */
  source?: 'tracking';
  /** On a message's first line: the random engagement drawn for it, so a restart keeps it. */
  engagement?: Engagement;
}

/** Reads the state file; a line cut short by a crash is skipped. */
export const readState = (statePath: string): PublishedLine[] => readNdjson<PublishedLine>(statePath);

// ---- The simulator ----------------------------------------------------------------------------------------------

export type TimerHandle = unknown;

export interface SesEventSimulatorOptions {
  /** Sends one SQS message body (the SNS envelope JSON) to the events queue. */
  publish: (body: string) => Promise<void>;
  /** The SES front's journal (read on start, for what a previous run did not publish). */
  journalPath: string;
  statePath: string;
  /** Where accepted messages come from (the SES front's `onSent`). */
  source?: { onSent(listener: SentListener): () => void };
  topicArn: string;
  region?: string;
  accountId?: string;
  defaultConfigurationSet: string;
  /** Multiplies every delay; 0 publishes at once (default 1). */
  delayScale?: number;
  /** Fractions (0..1) of delivered messages opened and clicked at random (default 0). */
  openRate?: number;
  clickRate?: number;
  random?: () => number;
  now?: () => number;
  setTimeout?: (callback: () => void, ms: number) => TimerHandle;
  clearTimeout?: (handle: TimerHandle) => void;
  /** Attempts of one publish before the message's remaining events are left for the next start (default 5). */
  publishAttempts?: number;
  /** Publishes in flight at once across messages (default 32). */
  maxConcurrentPublishes?: number;
  /**
   * Messages whose published events `published()` keeps in memory with their envelopes (default 1,000; older ones
   * are read back from the state file, without envelopes). Ten times as many journal entries are cached.
   */
  retainMessages?: number;
  /** fsync the state file after each line (default false: the write itself survives a killed process). */
  fsync?: boolean;
  onError?: (error: unknown, context: { messageId: string; event: SimulatedEvent }) => void;
}

export interface PublishedEvent {
  event: SimulatedEvent;
  at: string;
  snsMessageId: string;
  source?: 'tracking';
  /** The SQS message body as sent (kept for recent messages only). */
  envelope?: SnsEnvelope;
}

export interface SesEventSimulator {
  /** Messages whose missing events were scheduled on start. */
  readonly resumed: number;
  /** Plans and schedules the events of an accepted message (what `source.onSent` calls); once per message id. */
  accept(entry: SesJournalEntry): void;
  /** Publishes an Open now; null when the message is unknown. */
  open(sesMessageId: string, facts: { userAgent: string; ipAddress: string }): Promise<PublishedEvent | null>;
  /** Publishes a Click on `link` now; null when the message is unknown. */
  click(
    sesMessageId: string,
    facts: { userAgent: string; ipAddress: string; link: string; linkTags?: Record<string, string[]> },
  ): Promise<PublishedEvent | null>;
  /** The events published for a message, oldest first (envelopes for recent messages). */
  published(sesMessageId: string): PublishedEvent[];
  /** The journal entry of an accepted message, or null. */
  message(sesMessageId: string): SesJournalEntry | null;
  /** Messages with events still to publish. */
  pending(): number;
  /** Resolves when no message has events still to publish (timers included). */
  idle(): Promise<void>;
  /** Cancels what is waiting (the next start publishes it), lets publishes under way finish, closes the state. */
  stop(): Promise<void>;
}

class Stopped extends Error {
  override name = 'Stopped';
}

/** A bounded map that forgets its oldest keys. */
class Recent<V> {
  readonly #map = new Map<string, V>();
  readonly #max: number;
  constructor(max: number) {
    this.#max = max;
  }
  get(key: string): V | undefined {
    return this.#map.get(key);
  }
  set(key: string, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    while (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as string);
  }
}

export const startSesEventSimulator = (options: SesEventSimulatorOptions): SesEventSimulator => {
  const now = options.now ?? Date.now;
  const setTimer = options.setTimeout ?? ((cb: () => void, ms: number) => setTimeout(cb, ms));
  const clearTimer = options.clearTimeout ?? ((h: TimerHandle) => clearTimeout(h as NodeJS.Timeout));
  const random = options.random ?? Math.random;
  const scale = options.delayScale ?? 1;
  if (!(scale >= 0)) throw new RangeError('delayScale must be ≥ 0');
  const rates = { openRate: options.openRate ?? 0, clickRate: options.clickRate ?? 0 };
  for (const [name, value] of Object.entries(rates)) {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be from 0 to 1`);
  }
  const attempts = Math.max(1, options.publishAttempts ?? 5);
  const maxConcurrent = Math.max(1, options.maxConcurrentPublishes ?? 32);
  const context = {
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '000000000000',
    defaultConfigurationSet: options.defaultConfigurationSet,
  };

  // The state file, opened for appending; a line a crash cut short ends here.
  const fd = openSync(options.statePath, 'a+');
  const { size } = fstatSync(fd);
  if (size > 0) {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    if (last[0] !== 0x0a) writeSync(fd, '\n');
  }

  let stopped = false;
  /** Messages with a chain running (planned events still to publish), by message id. */
  const active = new Map<string, SesJournalEntry>();
  /** Message ids planned and not finished (a message is planned once). */
  const planned = new Set<string>();
  const retain = Math.max(1, options.retainMessages ?? 1_000);
  const entries = new Recent<SesJournalEntry>(retain * 10);
  const history = new Recent<PublishedEvent[]>(retain);
  const timers = new Map<TimerHandle, () => void>();
  const idleWaiters: Array<() => void> = [];
  /** Opens and clicks being published. */
  const tracking = new Set<Promise<unknown>>();
  let inFlight = 0;
  const queue: Array<() => void> = [];

  const sleep = (ms: number) =>
    new Promise<void>((resolve, reject) => {
      if (stopped) return reject(new Stopped());
      if (ms <= 0) return resolve();
      const handle = setTimer(() => {
        timers.delete(handle);
        resolve();
      }, ms);
      timers.set(handle, () => reject(new Stopped()));
    });

  const withSlot = async <T>(work: () => Promise<T>): Promise<T> => {
    if (inFlight >= maxConcurrent) await new Promise<void>((resolve) => queue.push(resolve));
    inFlight += 1;
    try {
      return await work();
    } finally {
      inFlight -= 1;
      queue.shift()?.();
    }
  };

  const remember = (messageId: string, event: PublishedEvent) => {
    const list = history.get(messageId) ?? [];
    list.push(event);
    history.set(messageId, list);
  };

  /** Publishes one record in its envelope (retrying), then appends its state line. */
  const publishRecord = async (
    entry: SesJournalEntry,
    event: SimulatedEvent,
    record: Record<string, unknown>,
    line: Omit<PublishedLine, 'at'>,
  ): Promise<PublishedEvent> => {
    const at = new Date(now());
    const envelope = snsEnvelope(record, { topicArn: options.topicArn, snsMessageId: line.snsMessageId, at });
    const body = JSON.stringify(envelope);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await withSlot(() => options.publish(body));
        break;
      } catch (error) {
        if (attempt >= attempts || stopped) throw error;
        await sleep(100 * 2 ** (attempt - 1));
      }
    }
    const state: PublishedLine = { ...line, at: at.toISOString() };
    writeSync(fd, `${JSON.stringify(state)}\n`);
    if (options.fsync) fsyncSync(fd);
    const published: PublishedEvent = {
      event,
      at: state.at,
      snsMessageId: line.snsMessageId,
      ...(line.source ? { source: line.source } : {}),
      envelope,
    };
    remember(entry.messageId!, published);
    return published;
  };

  const settle = () => {
    if (active.size > 0) return;
    for (const wake of idleWaiters.splice(0)) wake();
  };

  /** Publishes the planned events not yet published, each at its time after `startMs`, in order. */
  const run = async (
    entry: SesJournalEntry,
    plan: PlannedEvent[],
    done: ReadonlySet<SimulatedEvent>,
    startMs: number,
    engagement: Engagement | undefined,
  ) => {
    const messageId = entry.messageId!;
    let first = done.size === 0;
    try {
      for (const step of plan) {
        if (done.has(step.event)) continue;
        await sleep(startMs + step.delayMs * scale - now());
        if (stopped) return;
        const record = buildRecord(step, entry, { ...context, at: new Date(now()) });
        try {
          await publishRecord(entry, step.event, record, {
            messageId,
            event: step.event,
            snsMessageId: stableUuid(`${messageId}#${step.event}`),
            ...(first && engagement && (engagement.open || engagement.click) ? { engagement } : {}),
          });
        } catch (error) {
          if (error instanceof Stopped) return;
          options.onError?.(error, { messageId, event: step.event });
          return; // The rest waits for the next start, in order.
        }
        first = false;
      }
    } catch (error) {
      if (!(error instanceof Stopped)) options.onError?.(error, { messageId, event: 'send' });
    } finally {
      active.delete(messageId);
      planned.delete(messageId);
      settle();
    }
  };

  const schedule = (
    entry: SesJournalEntry,
    startMs: number,
    done: ReadonlySet<SimulatedEvent>,
    engagement: Engagement | undefined,
  ): boolean => {
    const messageId = entry.messageId;
    if (!messageId || entry.outcome !== 'sent' || planned.has(messageId) || stopped) return false;
    const base = planEvents(entry);
    const delivered = base.some((s) => s.event === 'delivery');
    const chosen = engagement ?? (delivered ? drawEngagement(rates, random) : { open: false, click: false });
    const plan = planEvents(entry, chosen);
    if (plan.every((step) => done.has(step.event))) return false;
    planned.add(messageId);
    entries.set(messageId, entry);
    active.set(messageId, entry);
    void run(entry, plan, done, startMs, chosen);
    return true;
  };

  const accept = (entry: SesJournalEntry) => {
    schedule(entry, now(), new Set(), undefined);
  };

  // Listen first, then resume from the journal: a message accepted meanwhile is planned once either way.
  const unsubscribe = options.source?.onSent(accept);
  const state = readState(options.statePath);
  const doneByMessage = new Map<string, { done: Set<SimulatedEvent>; engagement?: Engagement }>();
  for (const line of state) {
    if (line.source === 'tracking') continue;
    const known = doneByMessage.get(line.messageId) ?? { done: new Set<SimulatedEvent>() };
    known.done.add(line.event);
    if (line.engagement) known.engagement = line.engagement;
    doneByMessage.set(line.messageId, known);
  }
  let resumed = 0;
  for (const entry of readJournal(options.journalPath)) {
    if (entry.outcome !== 'sent' || !entry.messageId) continue;
    const known = doneByMessage.get(entry.messageId);
    // A message with published events keeps the engagement drawn then (none recorded: none drawn).
    const engagement = known ? (known.engagement ?? { open: false, click: false }) : undefined;
    const parsed = Date.parse(entry.at);
    if (schedule(entry, Number.isNaN(parsed) ? now() : parsed, known?.done ?? new Set(), engagement)) {
      resumed += 1;
    }
  }

  const findEntry = (sesMessageId: string): SesJournalEntry | null => {
    const cached = entries.get(sesMessageId);
    if (cached) return cached;
    const found = readJournal(options.journalPath).find(
      (e) => e.outcome === 'sent' && e.messageId === sesMessageId,
    );
    if (found) entries.set(sesMessageId, found);
    return found ?? null;
  };

  const track = async (
    sesMessageId: string,
    event: 'open' | 'click',
    facts: TrackingFacts,
  ): Promise<PublishedEvent | null> => {
    if (stopped) throw new Error('The SES event simulator is stopped');
    const entry = findEntry(sesMessageId);
    if (!entry) return null;
    const recipients = recipientsOf(entry);
    const record = buildRecord({ event, recipients }, entry, { ...context, at: new Date(now()) }, facts);
    const publishing = publishRecord(entry, event, record, {
      messageId: sesMessageId,
      event,
      snsMessageId: randomUUID(),
      source: 'tracking',
    });
    tracking.add(publishing);
    try {
      return await publishing;
    } finally {
      tracking.delete(publishing);
    }
  };

  return {
    get resumed() {
      return resumed;
    },
    accept,
    open: (id, facts) => track(id, 'open', facts),
    click: (id, facts) => track(id, 'click', facts),
    published(sesMessageId) {
      const recent = history.get(sesMessageId) ?? [];
      // A Send is always published first: with it in memory, the memory has every event of the message.
      if (recent.some((p) => p.event === 'send')) return [...recent];
      const kept = new Map(recent.map((p) => [p.snsMessageId, p]));
      return readState(options.statePath)
        .filter((line) => line.messageId === sesMessageId)
        .map(
          (line): PublishedEvent =>
            kept.get(line.snsMessageId) ?? {
              event: line.event,
              at: line.at,
              snsMessageId: line.snsMessageId,
              ...(line.source ? { source: line.source } : {}),
            },
        );
    },
    message: findEntry,
    pending: () => active.size,
    idle: () =>
      active.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)),
    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe?.();
      for (const [handle, cancel] of timers) {
        clearTimer(handle);
        cancel();
      }
      timers.clear();
      // Chains end at their next step; a publish under way finishes and writes its line.
      if (active.size > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
      await Promise.allSettled([...tracking]);
      closeSync(fd);
    },
  };
};
