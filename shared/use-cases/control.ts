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
} from '../domain/delivery.ts';
import { type Action, type Actor, assertCan } from '../domain/roles.ts';
import type { Clock, DeliveryRepository, DeliveryScheduler, StatsRepository } from '../ports/index.ts';
import { type DeliveryView, loadDelivery, toView } from './deliveries.ts';

/** Starts (or resumes) the send of a delivery now in `sending`. */
export interface SendStarter {
  start(delivery: Delivery): Promise<void>;
}

export interface ControlDeps {
  deliveries: DeliveryRepository;
  stats: StatsRepository;
  scheduler: DeliveryScheduler;
  sendStarter: SendStarter;
  clock: Clock;
}

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
  const saved = await deps.deliveries.apply(t);
  if (t.effects.armSchedule) await deps.scheduler.arm(saved);
  if (t.effects.deleteSchedule) await deps.scheduler.disarm(saved.id);
  if (t.effects.startSend) await deps.sendStarter.start(saved);
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
