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
  statusText,
} from '#domain/delivery.ts';
import { invalid, notFound } from '#domain/errors.ts';
import {
  buildDeployment,
  type PreparationProgress,
  type Deployment,
  EMPTY_REAL_TIME,
  EMPTY_TRACKING,
  type RealTimeCounts,
  type Snapshot,
  sumCounts,
  type TrackingCounts,
} from '#domain/kpis.ts';
import { type Actor, assertCan } from '#domain/roles.ts';
import type {
  AudienceRepository,
  Clock,
  CounterName,
  Counters,
  PreparationCheckpoints,
  DeliveryRepository,
  DeliveryScheduler,
  IdGenerator,
  Page,
  PageRequest,
  StatsRepository,
  StoredSnapshots,
} from '#ports/index.ts';

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

/** What reading a delivery's Deployment block needs. */
export interface ViewDeps {
  deliveries: DeliveryRepository;
  stats: StatsRepository;
  counters: Counters;
  clock: Clock;
  /** Where a preparation in progress is, and the audience's size: the Deployment block shows its progress. */
  preparationCheckpoints?: PreparationCheckpoints;
  audiences?: AudienceRepository;
}

/** Progress of a preparation in progress (the Deployment block of a delivery in `preparing`). */
export const preparationProgress = async (
  deps: ViewDeps,
  delivery: Delivery,
): Promise<PreparationProgress | undefined> => {
  if (delivery.state !== 'preparing' || !deps.preparationCheckpoints || !deps.audiences) return undefined;
  const [state, audience] = await Promise.all([
    deps.preparationCheckpoints.get({ deliveryId: delivery.id, version: delivery.version }),
    deps.audiences.get(delivery.audienceId),
  ]);
  const targeted = state?.targeted ?? 0;
  const excluded = Object.values(state?.exclusions ?? {}).reduce((a, b) => a + (b ?? 0), 0);
  const audienceSize = audience?.memberCount ?? 0;
  return {
    targeted,
    toDeliver: state?.toDeliver ?? 0,
    excluded,
    audienceSize,
    percent: audienceSize > 0 ? Math.min(100, Math.floor((targeted / audienceSize) * 100)) : 0,
  };
};

interface Snapshots {
  realTime: Snapshot<RealTimeCounts> | null;
  tracking: Snapshot<TrackingCounts> | null;
  toDeliver: number;
}

/**
 * One delivery's snapshots. Once confirmed, the real-time counts are the ledger's counters, read now (Sent,
 * Processed, Delivered, Bounces + errors move as the sending log changes); the tracking snapshot is the one the
 * hourly aggregation or compute-stats last wrote.
 */
const ownSnapshots = async (deps: ViewDeps, delivery: Delivery): Promise<Snapshots> => {
  const stored = await deps.stats.get(delivery.id);
  const computedAt = deps.clock.now().toISOString();
  return snapshotsFrom(
    delivery,
    stored,
    delivery.confirmedAt ? await deps.counters.read(delivery.id) : null,
    computedAt,
  );
};

/** One delivery's snapshots from what was read: its stored snapshots and, once confirmed, its counters. */
const snapshotsFrom = (
  delivery: Delivery,
  stored: StoredSnapshots,
  c: Record<CounterName, number> | null,
  computedAt: string,
): Snapshots => {
  const toDeliver = delivery.preparation?.toDeliver ?? 0;
  if (!c) return { ...stored, toDeliver };
  const counts = {
    toDeliver,
    sent: c.sent,
    processed: c.processed,
    delivered: c.delivered,
    bouncesAndErrors: c.bouncesAndErrors,
  };
  return { realTime: { counts, computedAt }, tracking: stored.tracking, toDeliver };
};

/** The snapshots of several non-recurring deliveries in two batched reads (snapshots; counters once confirmed). */
const batchedSnapshots = async (deps: ViewDeps, deliveries: readonly Delivery[]): Promise<Snapshots[]> => {
  if (deliveries.length === 0) return [];
  const confirmed = deliveries.filter((d) => d.confirmedAt).map((d) => d.id);
  const computedAt = deps.clock.now().toISOString();
  const [stored, counters] = await Promise.all([
    deps.stats.getMany(deliveries.map((d) => d.id)),
    confirmed.length > 0 ? deps.counters.readMany(confirmed) : new Map<string, Record<CounterName, number>>(),
  ]);
  return deliveries.map((d) =>
    snapshotsFrom(
      d,
      stored.get(d.id) ?? { realTime: null, tracking: null },
      counters.get(d.id) ?? null,
      computedAt,
    ),
  );
};

/** The newest of some snapshots, with their counts summed (a recurring delivery shows its executions' sums). */
const summed = <T extends object>(snapshots: Array<Snapshot<T> | null>, empty: T): Snapshot<T> | null => {
  const present = snapshots.filter((x): x is Snapshot<T> => x !== null);
  if (present.length === 0) return null;
  const computedAt = present
    .map((x) => x.computedAt)
    .sort()
    .at(-1)!;
  return {
    counts: sumCounts(
      present.map((x) => x.counts),
      empty,
    ),
    computedAt,
  };
};

const snapshotsOf = async (deps: ViewDeps, delivery: Delivery): Promise<Snapshots> => {
  if (!delivery.recurrence) return ownSnapshots(deps, delivery);
  const executions: Delivery[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.deliveries.list({ parentId: delivery.id }, { cursor, limit: 100 });
    executions.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && executions.length < MAX_EXECUTIONS_SUMMED);
  const all = await batchedSnapshots(deps, executions);
  return {
    realTime: summed(
      all.map((x) => x.realTime),
      EMPTY_REAL_TIME,
    ),
    tracking: summed(
      all.map((x) => x.tracking),
      EMPTY_TRACKING,
    ),
    toDeliver: all.reduce((n, x) => n + x.toDeliver, 0),
  };
};

export const toView = async (deps: ViewDeps, delivery: Delivery, read?: Snapshots): Promise<DeliveryView> => {
  const [{ realTime, tracking, toDeliver }, progress] = await Promise.all([
    read ?? snapshotsOf(deps, delivery),
    preparationProgress(deps, delivery),
  ]);
  const { preparation, ...rest } = delivery;
  const deployment = buildDeployment(delivery.state, realTime, tracking, toDeliver);
  deployment.statusText = statusText(delivery);
  if (progress) {
    deployment.preparation = progress;
    deployment.statusText = `Preparing send… ${progress.percent}%`;
  }
  const view: DeliveryView = { ...rest, deployment };
  if (preparation) {
    const { snapshot: _snapshot, ...visible } = preparation;
    view.preparation = visible;
  }
  return view;
};

export const createDelivery = async (
  deps: ViewDeps & { audiences: AudienceRepository; ids: IdGenerator },
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
  deps: ViewDeps & { audiences: AudienceRepository; scheduler: DeliveryScheduler },
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

export const getDelivery = async (deps: ViewDeps, id: string): Promise<DeliveryView> =>
  toView(deps, await loadDelivery(deps, id));

/**
 * The views of a page of deliveries without a read per delivery: their snapshots in one batched read, the counters
 * of the confirmed ones in another (a recurring delivery still sums its executions).
 */
const toViews = async (deps: ViewDeps, deliveries: readonly Delivery[]): Promise<DeliveryView[]> => {
  const own = deliveries.filter((d) => !d.recurrence);
  const read = new Map((await batchedSnapshots(deps, own)).map((x, i) => [own[i]!.id, x]));
  return Promise.all(deliveries.map((d) => toView(deps, d, read.get(d.id))));
};

export const listDeliveries = async (
  deps: ViewDeps,
  filter: { state?: DeliveryState | undefined },
  page: PageRequest,
): Promise<Page<DeliveryView>> => {
  const result = await deps.deliveries.list(filter, page);
  return {
    items: await toViews(deps, result.items),
    nextCursor: result.nextCursor,
  };
};

export const listExecutions = async (
  deps: ViewDeps,
  id: string,
  page: PageRequest,
): Promise<Page<DeliveryView>> => {
  await loadDelivery(deps, id);
  const result = await deps.deliveries.list({ parentId: id }, page);
  return {
    items: await toViews(deps, result.items),
    nextCursor: result.nextCursor,
  };
};
