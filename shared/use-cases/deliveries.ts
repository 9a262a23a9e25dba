/**
 * Delivery use cases: create, edit, read (with the Deployment block), list, executions.
 * Checks run in the order 403 → 404 → 409 (401 is the caller's).
 */
import {
  type Delivery,
  type DeliveryInput,
  type DeliveryState,
  editDelivery,
  createDelivery as newDelivery,
} from '../domain/delivery.ts';
import { invalid, notFound } from '../domain/errors.ts';
import {
  buildDeployment,
  type Deployment,
  EMPTY_REAL_TIME,
  EMPTY_TRACKING,
  type RealTimeCounts,
  type Snapshot,
  sumCounts,
  type TrackingCounts,
} from '../domain/kpis.ts';
import { type Actor, assertCan } from '../domain/roles.ts';
import type {
  AudienceRepository,
  Clock,
  DeliveryRepository,
  DeliveryScheduler,
  IdGenerator,
  Page,
  PageRequest,
  StatsRepository,
} from '../ports/index.ts';

/** What the API answers for a delivery: the delivery (without its frozen snapshot) and its Deployment block. */
export type DeliveryView = Omit<Delivery, 'preparation'> & {
  preparation?: Omit<NonNullable<Delivery['preparation']>, 'snapshot'>;
  deployment: Deployment;
};

export const loadDelivery = async (
  deps: { deliveries: DeliveryRepository },
  id: string,
): Promise<Delivery> => {
  const delivery = await deps.deliveries.get(id);
  if (!delivery) throw notFound('Delivery', id);
  return delivery;
};

const assertAudienceExists = async (audiences: AudienceRepository, audienceId: string): Promise<void> => {
  if (!(await audiences.get(audienceId))) {
    throw invalid('The audience does not exist.', [
      { field: 'audienceId', message: `audience ${audienceId} does not exist` },
    ]);
  }
};

const MAX_EXECUTIONS_SUMMED = 1000;

/** Snapshots of a delivery; a recurring delivery shows the sums of its executions' counts. */
const snapshotsOf = async (
  deps: { deliveries: DeliveryRepository; stats: StatsRepository },
  delivery: Delivery,
): Promise<{
  realTime: Snapshot<RealTimeCounts> | null;
  tracking: Snapshot<TrackingCounts> | null;
  toDeliver: number;
}> => {
  if (!delivery.recurrence) {
    const s = await deps.stats.get(delivery.id);
    return { ...s, toDeliver: delivery.preparation?.toDeliver ?? 0 };
  }
  const executions: Delivery[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.deliveries.list({ parentId: delivery.id }, { cursor, limit: 100 });
    executions.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && executions.length < MAX_EXECUTIONS_SUMMED);
  const stats = await Promise.all(executions.map((e) => deps.stats.get(e.id)));
  const latest = (times: Array<string | undefined>): string | null =>
    times
      .filter((t): t is string => !!t)
      .sort()
      .at(-1) ?? null;
  const rtTime = latest(stats.map((s) => s.realTime?.computedAt));
  const trTime = latest(stats.map((s) => s.tracking?.computedAt));
  return {
    realTime: rtTime
      ? {
          counts: sumCounts(
            stats.map((s) => s.realTime?.counts ?? EMPTY_REAL_TIME),
            EMPTY_REAL_TIME,
          ),
          computedAt: rtTime,
        }
      : null,
    tracking: trTime
      ? {
          counts: sumCounts(
            stats.map((s) => s.tracking?.counts ?? EMPTY_TRACKING),
            EMPTY_TRACKING,
          ),
          computedAt: trTime,
        }
      : null,
    toDeliver: executions.reduce((n, e) => n + (e.preparation?.toDeliver ?? 0), 0),
  };
};

export const toView = async (
  deps: { deliveries: DeliveryRepository; stats: StatsRepository },
  delivery: Delivery,
): Promise<DeliveryView> => {
  const { realTime, tracking, toDeliver } = await snapshotsOf(deps, delivery);
  const { preparation, ...rest } = delivery;
  const view: DeliveryView = {
    ...rest,
    deployment: buildDeployment(delivery.state, realTime, tracking, toDeliver),
  };
  if (preparation) {
    const { snapshot: _snapshot, ...visible } = preparation;
    view.preparation = visible;
  }
  return view;
};

export const createDelivery = async (
  deps: {
    deliveries: DeliveryRepository;
    audiences: AudienceRepository;
    stats: StatsRepository;
    ids: IdGenerator;
    clock: Clock;
  },
  actor: Actor,
  input: DeliveryInput,
): Promise<DeliveryView> => {
  assertCan(actor, 'delivery:create');
  const delivery = newDelivery(input, actor, deps.ids.next(), deps.clock.now());
  await assertAudienceExists(deps.audiences, input.audienceId);
  await deps.deliveries.create(delivery);
  return toView(deps, delivery);
};

export const updateDelivery = async (
  deps: {
    deliveries: DeliveryRepository;
    audiences: AudienceRepository;
    stats: StatsRepository;
    scheduler: DeliveryScheduler;
    clock: Clock;
  },
  actor: Actor,
  id: string,
  patch: Partial<DeliveryInput>,
): Promise<DeliveryView> => {
  assertCan(actor, 'delivery:edit');
  const delivery = await loadDelivery(deps, id);
  const transition = editDelivery(delivery, patch, actor, deps.clock.now());
  if (patch.audienceId !== undefined) await assertAudienceExists(deps.audiences, patch.audienceId);
  const saved = await deps.deliveries.apply(transition);
  if (transition.effects.deleteSchedule) await deps.scheduler.disarm(id);
  return toView(deps, saved);
};

export const getDelivery = async (
  deps: { deliveries: DeliveryRepository; stats: StatsRepository },
  id: string,
): Promise<DeliveryView> => toView(deps, await loadDelivery(deps, id));

export const listDeliveries = async (
  deps: { deliveries: DeliveryRepository; stats: StatsRepository },
  filter: { state?: DeliveryState | undefined },
  page: PageRequest,
): Promise<Page<DeliveryView>> => {
  const result = await deps.deliveries.list(filter, page);
  return {
    items: await Promise.all(result.items.map((d) => toView(deps, d))),
    nextCursor: result.nextCursor,
  };
};

export const listExecutions = async (
  deps: { deliveries: DeliveryRepository; stats: StatsRepository },
  id: string,
  page: PageRequest,
): Promise<Page<DeliveryView>> => {
  await loadDelivery(deps, id);
  const result = await deps.deliveries.list({ parentId: id }, page);
  return {
    items: await Promise.all(result.items.map((d) => toView(deps, d))),
    nextCursor: result.nextCursor,
  };
};
