/**
 * Confirm, pause, resume and stop (Start deliveries role only).
 * Primary course of confirm:
 *  1. refuse anyone without start-deliveries (403, Adobe's message), before looking the delivery up;
 *  2. load it (404);
 *  3. transition ready@prepared version → sending or scheduled, as a conditional write (409 otherwise: a
 *     double click or a repeated request changes nothing);
 *  4. arm the schedule, or start the send.
 */
import {
  confirmDelivery,
  type Delivery,
  pauseDelivery,
  resumeDelivery,
  stopDelivery,
  type Transition,
} from '#domain/delivery.ts';
import { quotaExceeded } from '#domain/errors.ts';
import { type Action, type Actor, assertCan } from '#domain/roles.ts';
import type { Clock, DeliveryScheduler, JobQueue, SendingAccount, StartJob } from '#ports/index.ts';
import { type DeliveryView, loadDelivery, toView, type ViewDeps } from './deliveries.ts';

/** Starts (or resumes) the send of a delivery now in `sending`; cancels the pending recipients of a stopped one. */
export interface SendStarter {
  start(delivery: Delivery): Promise<void>;
  cancel(delivery: Delivery): Promise<void>;
}

/** The SendStarter of the pipeline: one start (or cancel) job on the start queue per confirm, resume or stop. */
export const queueSendStarter = (queue: JobQueue<StartJob>, clock: Clock): SendStarter => {
  const job = (kind: StartJob['kind'], delivery: Delivery): StartJob => ({
    kind,
    deliveryId: delivery.id,
    version: delivery.preparation?.version ?? delivery.version,
    run: `${kind}-${clock.now().getTime()}`,
  });
  return {
    start: (delivery) => queue.send([job('start', delivery)]),
    cancel: (delivery) => queue.send([job('cancel', delivery)]),
  };
};

export interface ControlDeps extends ViewDeps {
  scheduler: DeliveryScheduler;
  sendStarter: SendStarter;
  account: SendingAccount;
}

/** A send larger than the remaining 24-hour SES quota is refused at confirm (409 QUOTA_EXCEEDED, with the numbers). */
const assertQuota = async (account: SendingAccount, delivery: Delivery): Promise<void> => {
  const toDeliver = delivery.preparation?.toDeliver ?? 0;
  const quota = await account.quota();
  if (quota.max24HourSend < 0) return; // SES v2: -1 means an unlimited 24-hour quota
  const remaining = Math.max(0, quota.max24HourSend - quota.sentLast24Hours);
  if (toDeliver > remaining) throw quotaExceeded(toDeliver, remaining, quota.max24HourSend);
};

const control = async (
  deps: ControlDeps,
  actor: Actor,
  id: string,
  action: Action,
  transition: (delivery: Delivery, actor: Actor, now: Date) => Transition,
): Promise<DeliveryView> => {
  assertCan(actor, action);
  const delivery = await loadDelivery(deps, id);
  const t = transition(delivery, actor, deps.clock.now());
  if (action === 'delivery:confirm' && !delivery.recurrence) await assertQuota(deps.account, delivery);
  const saved = await deps.deliveries.apply(t);
  if (t.effects.armSchedule) await deps.scheduler.arm(saved);
  if (t.effects.deleteSchedule) await deps.scheduler.disarm(saved.id);
  if (t.effects.startSend) await deps.sendStarter.start(saved);
  if (t.effects.cancelPending) await deps.sendStarter.cancel(saved);
  return toView(deps, saved);
};

export const confirm = (deps: ControlDeps, actor: Actor, id: string): Promise<DeliveryView> =>
  control(deps, actor, id, 'delivery:confirm', confirmDelivery);

export const pause = (deps: ControlDeps, actor: Actor, id: string): Promise<DeliveryView> =>
  control(deps, actor, id, 'delivery:pause', pauseDelivery);

export const resume = (deps: ControlDeps, actor: Actor, id: string): Promise<DeliveryView> =>
  control(deps, actor, id, 'delivery:resume', resumeDelivery);

export const stop = (deps: ControlDeps, actor: Actor, id: string): Promise<DeliveryView> =>
  control(deps, actor, id, 'delivery:stop', stopDelivery);
