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
 *   ones, and only those. Each planned event has its own SNS MessageId, as every SNS publish does, derived from
 *   what makes the send unique (the SES front's request id, the message id, the event): never shared by two
 *   messages, yet stable, so one republished after a crash between the SQS answer and the state write is an
 *   exact duplicate (SNS's own retry) the ingester drops by its envelope id.
 *
 * The pieces: ./mailbox.ts (what happens to each address, the plan of a message), ./records.ts (the records, with
 * the shape of AWS's published examples in shared/fixtures/aws-events/ses/bare/*.json; not reproduced: the subject,
 * which the SES front does not journal, and the real MIME headers), ./envelope.ts (the SNS envelope, whose
 * signature is not verifiable), ./simulator-state.ts (the state file), and here the timed chains that publish each
 * message's events and the API the tracking routes use.
 */
import { randomUUID } from 'node:crypto';
import { snsEnvelope } from './envelope.ts';
import { journalIndex, readJournal, type SentListener, type SesJournalEntry } from './journal.ts';
import {
  drawEngagement,
  type Engagement,
  type PlannedEvent,
  planEvents,
  recipientsOf,
  type SimulatedEvent,
} from './mailbox.ts';
import { buildRecord, stableUuid, type TrackingFacts } from './records.ts';
import { sleeper, slots, Stopped, type TimerHandle } from './pacing.ts';
import { openSimulatorState, type PublishedEvent, type PublishedLine, Recent } from './simulator-state.ts';

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
  /**
   * Whether SES publishes events for messages sent through this configuration set (null: none given, the
   * identity's default). Default: every one. A configuration set with no event destination publishes nothing.
   */
  publishesFor?: (configurationSetName: string | null) => boolean;
  /** Multiplies every delay; 0 publishes at once (default 1). */
  delayScale?: number;
  /**
   * A Send event's delay in milliseconds, not scaled (default 0: SES publishes it at once). The pacing bench holds
   * Send events past its send, like the other events: in AWS their ingestion does not share the senders' event loop.
   */
  sendDelayMs?: number;
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

export const startSesEventSimulator = (options: SesEventSimulatorOptions): SesEventSimulator => {
  const now = options.now ?? Date.now;
  const setTimer = options.setTimeout ?? ((cb: () => void, ms: number) => setTimeout(cb, ms));
  const clearTimer = options.clearTimeout ?? ((h: TimerHandle) => clearTimeout(h as NodeJS.Timeout));
  const random = options.random ?? Math.random;
  const scale = options.delayScale ?? 1;
  if (!(scale >= 0)) throw new RangeError('delayScale must be ≥ 0');
  const sendDelayMs = options.sendDelayMs ?? 0;
  if (!(sendDelayMs >= 0)) throw new RangeError('sendDelayMs must be ≥ 0');
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
  const retain = Math.max(1, options.retainMessages ?? 1_000);
  const state = openSimulatorState(options.statePath, {
    retainMessages: retain,
    ...(options.fsync ? { fsync: true } : {}),
  });

  let stopped = false;
  /** Messages with a chain running (planned events still to publish), by message id. */
  const active = new Map<string, SesJournalEntry>();
  /** Message ids planned and not finished (a message is planned once). */
  const planned = new Set<string>();
  const entries = new Recent<SesJournalEntry>(retain * 10);
  const journal = journalIndex(options.journalPath);
  const pacing = sleeper(setTimer, clearTimer);
  const sleep = pacing.sleep;
  const withSlot = slots(maxConcurrent);
  const idleWaiters: Array<() => void> = [];
  /** Opens and clicks being published. */
  const tracking = new Set<Promise<unknown>>();

  /** Publishes one record in its envelope (retrying), then appends its state line. */
  const publishRecord = async (
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
    return state.record({ ...line, at: at.toISOString() }, envelope);
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
        await sleep(startMs + (step.event === 'send' ? sendDelayMs : step.delayMs * scale) - now());
        if (stopped) return;
        const record = buildRecord(step, entry, { ...context, at: new Date(now()) });
        try {
          await publishRecord(record, {
            messageId,
            event: step.event,
            snsMessageId: stableUuid(`${entry.requestId}#${messageId}#${step.event}`),
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
    if (options.publishesFor && !options.publishesFor(entry.configurationSetName)) return false;
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
  const doneByMessage = state.progress();
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
    // Not among the recent ones: read back at its line (the journal of a 100,000-recipient send is 85 MB).
    const found = journal.find(sesMessageId);
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
    const publishing = publishRecord(record, {
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
    published: (sesMessageId) => state.published(sesMessageId),
    message: findEntry,
    pending: () => active.size,
    idle: () =>
      active.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)),
    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe?.();
      pacing.cancelAll();
      // Chains end at their next step; a publish under way finishes and writes its line.
      if (active.size > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
      await Promise.allSettled([...tracking]);
      state.close();
    },
  };
};
