/**
 * The reputation guard where it decides: in event ingestion, once per batch (shared/domain/reputation.ts for the
 * rule and its thresholds).
 *
 * Primary course, per delivery a batch of SES events brought hard bounces or complaints for:
 *  1. ADD them to the delivery's guard counters (one write), which answer the totals;
 *  2. if the delivery is sending, read its processed count (the counters the Deployment block reads) and judge the
 *     rates since the guard's last pause (none before the first);
 *  3. above a threshold: pause it (a conditional transition, with the reason in its history and status text, and the
 *     totals it judged as the baseline of the next judgement), count ReputationGuardPauses (the alarm watches it).
 * The senders see the pause within a second and stop calling SES; a Start-deliveries user resumes it.
 */
import { guardPauseDelivery } from '#domain/delivery.ts';
import { isDomainError } from '#domain/errors.ts';
import { type GuardThresholds, type GuardVerdict, guardVerdict } from '#domain/reputation.ts';
import type { Clock, Counters, DeliveryRepository, GuardCounters, GuardCounts } from '#ports/index.ts';
import type { Metrics } from '#ports/metrics.ts';

/** Hard bounces and complaints of one batch of events, per delivery. */
export class GuardTally {
  readonly #byDelivery = new Map<string, GuardCounts>();

  note(deliveryId: string, kind: 'bounce' | 'complaint'): void {
    const counts = this.#byDelivery.get(deliveryId) ?? { bounces: 0, complaints: 0 };
    if (kind === 'bounce') counts.bounces++;
    else counts.complaints++;
    this.#byDelivery.set(deliveryId, counts);
  }

  get size(): number {
    return this.#byDelivery.size;
  }

  /** What was noted, and starts afresh. */
  take(): Array<[string, GuardCounts]> {
    const all = [...this.#byDelivery];
    this.#byDelivery.clear();
    return all;
  }
}

export interface GuardDeps {
  guardCounters: GuardCounters;
  counters: Counters;
  deliveries: DeliveryRepository;
  clock: Clock;
  thresholds: GuardThresholds;
  /** ReputationGuardPauses (shared/ports/metrics.ts). */
  metrics?: Metrics;
}

/** Applies a batch's tally; returns the deliveries it paused, with why. */
export const applyGuard = async (
  deps: GuardDeps,
  tally: GuardTally,
): Promise<Array<{ deliveryId: string; verdict: GuardVerdict }>> => {
  const paused: Array<{ deliveryId: string; verdict: GuardVerdict }> = [];
  for (const [deliveryId, deltas] of tally.take()) {
    const totals = await deps.guardCounters.add(deliveryId, deltas);
    const delivery = await deps.deliveries.get(deliveryId);
    if (delivery?.state !== 'sending') continue;
    const { processed } = await deps.counters.read(deliveryId);
    const verdict = guardVerdict(
      { processed, bounces: totals.bounces, complaints: totals.complaints },
      deps.thresholds,
      delivery.reputationBaseline,
    );
    if (!verdict) continue;
    try {
      await deps.deliveries.apply(
        guardPauseDelivery(delivery, verdict.reason, verdict.totals, deps.clock.now()),
      );
    } catch (error) {
      // Paused, stopped or finished meanwhile: nothing left to guard.
      if (isDomainError(error) && error.kind === 'conflict') continue;
      throw error;
    }
    deps.metrics?.count('ReputationGuardPauses', 1, { GuardRule: verdict.rule });
    paused.push({ deliveryId, verdict });
  }
  return paused;
};
