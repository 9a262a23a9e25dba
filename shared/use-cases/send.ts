/**
 * The sender: one send job (the pending recipients of one target page of a delivery).
 * Primary course (docs/data-model.md, "The page lease"):
 *  1. read the page and its entries: recipients with an entry are done (skipped);
 *  2. take the page's lease with the first window of up to 25 recipients: a page another sender holds is left to
 *     it; the recipients of an expired lease's window that have no entry are made in-doubt, never sent;
 *  3. send the window's recipients concurrently (within the invocation's bound on calls in flight), each after a
 *     pacing slot (all senders together stay under the configured rate), one SES message each through the
 *     configuration set, tagged with the delivery and recipient ids, personalized from the prepared target;
 *  4. record each outcome as the recipient's entry: sent with its SES message id; throttled → retried with backoff
 *     and jitter in the same window, never a failure (the page is given back and the job retried later if it
 *     lasts); daily quota exceeded or sending paused → the delivery pauses; rejected → that recipient fails
 *     (error); unknown (the call may have reached SES) → in-doubt at once, never resent;
 *  5. when no more than 10 of the window are left in flight, write the next window under the lease: those still in
 *     flight and the next recipients, up to 25 (a sliding window: calls keep going while it is written), and so
 *     on. Before each write the delivery's state is checked (at most once a second): pause gives the page back
 *     once the calls in flight are over; stop cancels what was not started.
 * Counter deltas go to the invocation's batch (one ADD per delivery a second). When the counters say every
 * recipient left pending, the ledger is checked, the counters are healed (recounted from the log and repaired) and
 * the delivery finishes.
 */
import { type Delivery, finishDelivery, suspendDelivery } from '#domain/delivery.ts';
import { isDomainError } from '#domain/errors.ts';
import { inEvidenceSample } from '#domain/in-doubt.ts';
import {
  backoffDelay,
  DEFAULT_LEASE_MS,
  leaseWindows,
  messageTags,
  type Pacer,
  personalize,
  WINDOW_SIZE,
} from '#domain/sending.ts';
import type {
  Clock,
  Counters,
  DeliveryRepository,
  EmailSender,
  LogRef,
  PageLease,
  RecipientLedger,
  SendJob,
  Target,
  TargetPage,
  UnsubscribeConfig,
} from '#ports/index.ts';
import type { Metrics } from '#ports/metrics.ts';
import { CounterBatch, type Deltas } from './counter-batch.ts';
import { anyPending } from './pending.ts';
import { unsubscribeHeaderField } from './unsubscribe.ts';

export interface SendDeps {
  deliveries: DeliveryRepository;
  ledger: RecipientLedger;
  counters: Counters;
  email: EmailSender;
  pacer: Pacer;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** This job's lease owner: unique per job (two jobs of one page are two senders, even in one invocation). */
  owner: string;
  leaseMs?: number;
  /** Throttled attempts of one recipient before the page is given back and the job retried later. */
  maxThrottleRetries?: number;
  /** Time left in this invocation; below `reserveMs` the rest of the job is given back to the queue. */
  remainingMs?: () => number;
  reserveMs?: number;
  /** Runs one SES call within the invocation's bound on calls in flight (shared by its jobs); default: no bound. */
  inFlight?: <T>(work: () => Promise<T>) => Promise<T>;
  /**
   * The invocation's counter deltas, shared by its jobs: the caller flushes them at the end and then finishes the
   * deliveries whose jobs were done (`finishIfSettled`). Default: the job's own, flushed and checked by the job.
   */
  tally?: CounterBatch;
  /** Recipients per lease window (default 25). */
  windowSize?: number;
  /** EmailsSent, SesThrottles, SesSendErrors, RecipientsFailed, RecipientsInDoubt (shared/ports/metrics.ts). */
  metrics?: Metrics;
  /** One-click unsubscribe headers on every message (shared/use-cases/unsubscribe.ts). */
  unsubscribe?: UnsubscribeConfig;
}

/** The job must be retried later (the queue redelivers it); recipients already settled are skipped then. */
export class RetryLater extends Error {
  override name = 'RetryLater';
}

export interface SendReport {
  sent: number;
  failed: number;
  inDoubt: number;
  canceled: number;
  skipped: number;
  outcome: 'done' | 'paused' | 'dropped';
}

const STATE_RECHECK_MS = 1000;
const COUNTER_FLUSH_MS = 1000;
/** A lease is extended when less than this is left of it, before an SES call. */
const LEASE_MARGIN_MS = 30_000;

type OneResult = 'sent' | 'failed' | 'in-doubt' | 'skipped' | 'paused';

const DELTAS: Record<Exclude<OneResult, 'skipped' | 'paused'> | 'canceled', Deltas> = {
  sent: { sent: 1, processed: 1, settled: 1 },
  failed: { processed: 1, bouncesAndErrors: 1, settled: 1 },
  'in-doubt': { settled: 1 },
  canceled: { settled: 1 },
};

/** What one job shares while it runs: the delivery (re-read at most once a second), the report, the counters. */
class JobContext {
  readonly deps: SendDeps;
  readonly ref: LogRef;
  readonly report: SendReport = { sent: 0, failed: 0, inDoubt: 0, canceled: 0, skipped: 0, outcome: 'done' };
  readonly tally: CounterBatch;
  #delivery: Delivery;
  #checkedAt: number;

  constructor(deps: SendDeps, ref: LogRef, delivery: Delivery) {
    this.deps = deps;
    this.ref = ref;
    this.tally = deps.tally ?? new CounterBatch(deps.random);
    this.#delivery = delivery;
    this.#checkedAt = deps.clock.now().getTime();
  }

  /** The delivery as last read. */
  get current(): Delivery {
    return this.#delivery;
  }

  async delivery(): Promise<Delivery> {
    const now = this.deps.clock.now().getTime();
    if (now - this.#checkedAt >= STATE_RECHECK_MS) {
      this.#delivery = (await this.deps.deliveries.get(this.ref.deliveryId)) ?? this.#delivery;
      this.#checkedAt = now;
    }
    return this.#delivery;
  }

  /** Counts one recipient's result (`recipientId`: a sent one in the evidence sample counts `evidenceSent` too). */
  count(result: OneResult | 'canceled', recipientId?: string): void {
    if (result === 'paused') return;
    if (result === 'skipped') {
      this.report.skipped += 1;
      return;
    }
    const metrics = this.deps.metrics;
    if (result === 'sent') {
      this.report.sent += 1;
      metrics?.count('EmailsSent', 1);
    } else if (result === 'failed') {
      this.report.failed += 1;
      metrics?.count('RecipientsFailed', 1, { FailureType: 'error' });
    } else if (result === 'in-doubt') {
      this.report.inDoubt += 1;
      metrics?.count('RecipientsInDoubt', 1);
    } else this.report.canceled += 1;
    this.tally.add(this.ref.deliveryId, DELTAS[result]);
    if (result === 'sent' && recipientId !== undefined && this.sampled(recipientId))
      this.tally.add(this.ref.deliveryId, { evidenceSent: 1 });
  }

  /** In the delivery's evidence sample (shared/domain/in-doubt.ts). */
  sampled(recipientId: string): boolean {
    return inEvidenceSample(recipientId, this.#delivery.preparation?.toDeliver ?? 0);
  }

  async flushIfDue(): Promise<void> {
    await this.tally.flushIfDue(this.deps.counters, this.deps.clock.now().getTime(), COUNTER_FLUSH_MS);
  }
}

export const sendJob = async (deps: SendDeps, job: SendJob): Promise<SendReport> => {
  const ref = { deliveryId: job.deliveryId, version: job.version };
  const delivery = await deps.deliveries.get(job.deliveryId);
  if (!delivery?.preparation?.snapshot || delivery.preparation.version !== job.version) {
    return { sent: 0, failed: 0, inDoubt: 0, canceled: 0, skipped: 0, outcome: 'dropped' };
  }
  const ctx = new JobContext(deps, ref, delivery);
  try {
    const wanted = new Set(job.recipientIds);
    const pages = await deps.ledger.pagesOf(ref, job.recipientIds);
    const targeted = new Set(pages.flatMap((p) => p.targets.map((t) => t.recipientId)));
    for (const id of wanted) if (!targeted.has(id)) ctx.count('skipped');
    for (const page of pages) {
      const outcome = await sendPage(ctx, page, wanted);
      if (outcome !== 'done') {
        ctx.report.outcome = outcome;
        break;
      }
    }
  } finally {
    if (deps.tally) await ctx.flushIfDue();
    else await ctx.tally.flush(deps.counters);
  }
  if (ctx.report.outcome === 'done' && !deps.tally) await finishIfSettled(deps, job.deliveryId);
  return ctx.report;
};

/** Sends the wanted recipients of one page under its lease; what the job does next. */
const sendPage = async (
  ctx: JobContext,
  page: TargetPage,
  wanted: ReadonlySet<string>,
): Promise<SendReport['outcome']> => {
  const { deps, ref } = ctx;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const targets = new Map(page.targets.map((t) => [t.recipientId, t]));
  const entries = await deps.ledger.entriesOf(ref, page);
  const todo = page.targets
    .map((t) => t.recipientId)
    .filter((id) => {
      if (!wanted.has(id)) return false;
      if (!entries.has(id)) return true;
      ctx.count('skipped');
      return false;
    });
  if (todo.length === 0) return 'done';
  const delivery = await ctx.delivery();
  if (delivery.state !== 'sending' && delivery.state !== 'stopped') {
    return delivery.state === 'paused' ? 'paused' : 'dropped';
  }
  const [first = [], ...rest] = leaseWindows(todo, deps.windowSize ?? WINDOW_SIZE);
  const now = deps.clock.now();
  const acquired = await deps.ledger.acquire(
    ref,
    page,
    { owner: deps.owner, at: now.toISOString(), leaseUntil: new Date(now.getTime() + leaseMs).toISOString() },
    delivery.state === 'stopped' ? [] : first,
    now,
  );
  if (!acquired.acquired) {
    // Another sender holds the page: it sends these recipients.
    for (let i = 0; i < todo.length; i++) ctx.count('skipped');
    return 'done';
  }
  const keeper = new LeaseKeeper(deps, ref, page, acquired.lease, leaseMs);
  // The suspects of an expired lease may have been accepted by SES: in doubt, never sent.
  const suspects = new Set(acquired.suspects);
  for (const id of acquired.suspects) {
    const target = targets.get(id);
    if (target && (await deps.ledger.markInDoubt(ref, target, now.toISOString()))) ctx.count('in-doubt');
  }
  // Read again under the lease: a sender that gave the page back between the first read and the lease recorded
  // everything it sent before it did, and those recipients must not be sent twice.
  const recorded = await deps.ledger.entriesOf(ref, page);
  for (const id of todo) if (recorded.has(id) && !suspects.has(id)) ctx.count('skipped');
  const queue = [first, ...rest].flat().filter((id) => !suspects.has(id) && !recorded.has(id));
  return runWindows(ctx, keeper, targets, queue, new Set(acquired.lease.window));
};

/** A window is written again once this many of it are left in flight (so each write adds at least 15). */
const REFILL_AT = 10;

/**
 * Sends `queue` in order under the lease, through a sliding window: the lease's window holds every recipient whose
 * SES call may be in flight, and when no more than REFILL_AT of them are left, the next recipients join them in a
 * new window, written before any of their calls; so a job keeps calls going while it writes, instead of waiting
 * for a whole window to end. Before each write the delivery's state is checked (at most once a second): pause gives
 * the page back once the calls in flight are over, stop cancels what was not started, an invocation running out
 * of time gives the rest back to the queue.
 */
const runWindows = async (
  ctx: JobContext,
  keeper: LeaseKeeper,
  targets: ReadonlyMap<string, Target>,
  queue: readonly string[],
  written: ReadonlySet<string>,
): Promise<SendReport['outcome']> => {
  const { deps, ref } = ctx;
  const size = deps.windowSize ?? WINDOW_SIZE;
  const inFlight = new Map<string, Promise<void>>();
  let next = 0;
  let paused = false;
  let retry: RetryLater | null = null;
  let failure: { error: unknown } | null = null;
  let outcome: SendReport['outcome'] = 'done';
  let delivery = ctx.current;

  const launch = (id: string) => {
    const call = sendOne(ctx, delivery, targets.get(id)!, keeper)
      .then(
        (result) => {
          if (result === 'paused') paused = true;
          else ctx.count(result, id);
        },
        (error: unknown) => {
          if (error instanceof RetryLater) retry ??= error;
          else failure ??= { error };
        },
      )
      .finally(() => inFlight.delete(id));
    inFlight.set(id, call);
  };

  for (;;) {
    const stopping = paused || retry !== null || failure !== null || outcome !== 'done';
    if (!stopping && next < queue.length && inFlight.size <= REFILL_AT) {
      delivery = await ctx.delivery();
      if (delivery.state === 'stopped') {
        // What was not started is canceled, under the lease; the calls in flight end as they will.
        const at = deps.clock.now().toISOString();
        for (const id of queue.slice(next)) {
          if (await deps.ledger.cancel(ref, targets.get(id)!, at)) ctx.count('canceled');
        }
        next = queue.length;
        continue;
      }
      if (delivery.state !== 'sending') {
        outcome = delivery.state === 'paused' ? 'paused' : 'dropped';
        continue;
      }
      if (deps.remainingMs && deps.remainingMs() < (deps.reserveMs ?? 10_000)) {
        retry = new RetryLater('Out of time: the rest of the job goes back to the queue');
        continue;
      }
      if (written.has(queue[next]!)) {
        // The window the lease was taken with: written already.
        while (next < queue.length && written.has(queue[next]!)) launch(queue[next++]!);
        continue;
      }
      const window = [...inFlight.keys()];
      const joining = windowFill(window, queue.slice(next), size);
      if (!(await keeper.next([...window, ...joining]))) {
        // The lease was taken over (it expired): whoever holds it now sends the rest.
        for (let n = queue.length - next; n > 0; n--) ctx.count('skipped');
        next = queue.length;
        continue;
      }
      for (const id of joining) launch(id);
      next += joining.length;
      continue;
    }
    if (inFlight.size === 0) break;
    await Promise.race(inFlight.values());
    await ctx.flushIfDue();
  }
  await ctx.flushIfDue();
  // Every call is over. A failure leaves the window in the lease: what may have been accepted becomes in-doubt.
  if (failure) throw (failure as { error: unknown }).error;
  if (paused || retry || outcome !== 'done') {
    // None left an accepted message unrecorded: the page goes back.
    await keeper.release();
    if (retry) throw retry;
    return paused ? 'paused' : outcome;
  }
  return 'done';
};

/** The recipients of `rest` that join `window` in the next one: as many as fit its count and bytes. */
const windowFill = (window: readonly string[], rest: readonly string[], size: number): string[] =>
  (leaseWindows([...window, ...rest], size)[0] ?? []).slice(window.length);

/** The page lease a job holds: the next window, an extension before it runs out, and giving the page back. */
class LeaseKeeper {
  readonly #deps: SendDeps;
  readonly #ref: LogRef;
  readonly #page: TargetPage;
  readonly #leaseMs: number;
  #lease: PageLease;
  #extending: Promise<boolean> | null = null;
  /** The lease's writes, one after another: the last one written always holds the latest window. */
  #writes: Promise<unknown> = Promise.resolve();

  constructor(deps: SendDeps, ref: LogRef, page: TargetPage, lease: PageLease, leaseMs: number) {
    this.#deps = deps;
    this.#ref = ref;
    this.#page = page;
    this.#lease = lease;
    this.#leaseMs = leaseMs;
  }

  #until(): string {
    return new Date(this.#deps.clock.now().getTime() + this.#leaseMs).toISOString();
  }

  /** Writes `window` (or, without one, the current window) with a new leaseUntil; false when the lease was lost. */
  #write(window?: readonly string[]): Promise<boolean> {
    const write = this.#writes.then(async () => {
      const leaseUntil = this.#until();
      const next = window ? [...window] : this.#lease.window;
      const ok = await this.#deps.ledger.extend(this.#ref, this.#page, this.#lease, next, leaseUntil);
      if (ok) this.#lease = { ...this.#lease, window: next, leaseUntil };
      return ok;
    });
    this.#writes = write.catch(() => undefined);
    return write;
  }

  /** Writes the next window; false when the lease was lost. */
  next(window: readonly string[]): Promise<boolean> {
    return this.#write(window);
  }

  /** Before an SES call: true while the lease holds, extended (once for all callers) when it runs short. */
  async holds(): Promise<boolean> {
    const left = Date.parse(this.#lease.leaseUntil) - this.#deps.clock.now().getTime();
    if (left > LEASE_MARGIN_MS) return true;
    this.#extending ??= this.#write().finally(() => {
      this.#extending = null;
    });
    return this.#extending;
  }

  async release(): Promise<void> {
    await this.#writes;
    await this.#deps.ledger.release(this.#ref, this.#page, this.#lease, this.#deps.clock.now());
  }
}

const sendOne = async (
  ctx: JobContext,
  delivery: Delivery,
  target: Target,
  keeper: LeaseKeeper,
): Promise<OneResult> => {
  const { deps, ref } = ctx;
  const snapshot = delivery.preparation!.snapshot!;
  const inFlight = deps.inFlight ?? (<T>(work: () => Promise<T>) => work());
  // Signed before the pacer's slot is taken, so the slot goes to the SES call alone.
  const unsubscribe = await unsubscribeHeaderField(deps.unsubscribe, ref, target.recipientId);
  for (let attempt = 0; ; attempt++) {
    // Never an SES call outside a lease that holds: the page may be someone else's now.
    if (!(await keeper.holds())) return 'skipped';
    const outcome = await inFlight(async () => {
      await deps.pacer.take();
      return deps.email.send({
        from: snapshot.content.from,
        to: target.email,
        ...personalize(snapshot.content, target),
        tags: messageTags(ref.deliveryId, ref.version, target.recipientId, ctx.sampled(target.recipientId)),
        ...unsubscribe,
      });
    });
    const at = deps.clock.now().toISOString();
    if (outcome.kind === 'throttled') deps.metrics?.count('SesThrottles', 1);
    else if (outcome.kind !== 'accepted') deps.metrics?.count('SesSendErrors', 1, { SesError: outcome.kind });
    switch (outcome.kind) {
      case 'accepted':
        // false: an SES event recorded this send first (ingestion counted it), or the entry exists otherwise.
        return (await deps.ledger.markSent(ref, target, {
          sesMessageId: outcome.messageId,
          at,
          by: deps.owner,
        }))
          ? 'sent'
          : 'skipped';
      case 'rejected':
        return (await deps.ledger.markFailed(ref, target, {
          failureType: 'error',
          failureReason: outcome.reason,
          at,
        }))
          ? 'failed'
          : 'skipped';
      case 'throttled':
        // Not accepted: the recipient stays in the window and is tried again after a backoff.
        if (attempt + 1 >= (deps.maxThrottleRetries ?? 8)) {
          throw new RetryLater(`SES throttled ${attempt + 1} times: ${outcome.reason}`);
        }
        await deps.sleep(backoffDelay(attempt, deps.random));
        continue;
      case 'daily-quota':
      case 'paused':
        await suspend(deps, ref.deliveryId, outcome.reason);
        return 'paused';
      case 'unknown':
        // The call may have reached SES: in doubt at once, never resent (an SES event naming it reconciles it).
        return (await deps.ledger.markInDoubt(ref, target, at)) ? 'in-doubt' : 'skipped';
    }
  }
};

const suspend = async (deps: SendDeps, deliveryId: string, reason: string): Promise<void> => {
  const delivery = await deps.deliveries.get(deliveryId);
  if (delivery?.state !== 'sending') return;
  try {
    await deps.deliveries.apply(suspendDelivery(delivery, reason, deps.clock.now()));
  } catch (error) {
    if (!(isDomainError(error) && error.kind === 'conflict')) throw error;
  }
};

/**
 * Finishes the delivery once no recipient is pending any more (each has an entry: sent, failed, in-doubt or
 * canceled). The counters say when to look (`settled` has reached To deliver); the ledger decides, every page
 * against its entries. Counters a crash left behind are not repaired here: the log was just written, and the ADDs
 * of its last writes may still be on their way (a repair now could count them twice). The sweeper keeps the
 * finished delivery until its counters agree with its log, repairing them once the log has settled
 * (shared/use-cases/sweep.ts, shared/use-cases/stats.ts `healCounters`).
 */
export const finishIfSettled = async (
  deps: {
    deliveries: DeliveryRepository;
    ledger: RecipientLedger;
    counters: Counters;
    clock: Clock;
  },
  deliveryId: string,
  options: { force?: boolean } = {},
): Promise<boolean> => {
  const delivery = await deps.deliveries.get(deliveryId);
  if (delivery?.state !== 'sending' || !delivery.preparation) return false;
  if (!options.force) {
    const { settled } = await deps.counters.read(deliveryId);
    if (settled < delivery.preparation.toDeliver) return false;
  }
  const ref = { deliveryId, version: delivery.preparation.version };
  if (await anyPending(deps.ledger, ref)) return false;
  try {
    await deps.deliveries.apply(finishDelivery(delivery, deps.clock.now()));
    return true;
  } catch (error) {
    if (isDomainError(error) && error.kind === 'conflict') return false;
    throw error;
  }
};
