/**
 * Preparation.
 * requestPreparation (the API): 403 → 404 → 409, then `preparing`, and a prepare job on the queue (202).
 * runPreparationJob (the preparer, resumable, any audience size), primary course:
 *  1. read the audience's 16 member shards in order, a page at a time, from the checkpoint;
 *  2. classify each profile: address missing, duplicate address (case-insensitive), quarantined, denylisted,
 *     opted out; everyone else is To deliver;
 *  3. write the exclusion log (status ignored, with the cause) and the targets (packed in pages of pending
 *     recipients, with the address and names the send uses), then advance the checkpoint with the counts so far;
 *  4. past its time budget, hand over to a continuation job (no 15-minute limit);
 *  5. complete: ready with the counts and a frozen snapshot, or preparation-failed with the errors; an execution
 *     of a recurring delivery without requestConfirmation is then confirmed on the confirmer's behalf and sent.
 * A preparation whose delivery changed meanwhile (edited: a new version) is abandoned.
 */
import {
  autoConfirmExecution,
  completePreparation,
  type Delivery,
  type ExclusionCause,
  startPreparation,
} from '#domain/delivery.ts';
import { isDomainError } from '#domain/errors.ts';
import { normalizeAddress, type Profile } from '#domain/profiles.ts';
import { type Actor, assertCan } from '#domain/roles.ts';
import { SHARDS } from '#domain/shards.ts';
import type {
  AudienceRepository,
  Clock,
  DeliveryRepository,
  ExclusionLogEntry,
  JobQueue,
  LogRef,
  PreparationCheckpoints,
  PreparationStarter,
  PreparationState,
  PrepareJob,
  ProfileRepository,
  QuarantineRepository,
  RecipientLogRepository,
  Target,
} from '#ports/index.ts';
import type { SendStarter } from './control.ts';
import { type DeliveryView, loadDelivery, toView, type ViewDeps } from './deliveries.ts';

export const requestPreparation = async (
  deps: ViewDeps & { preparer: PreparationStarter },
  actor: Actor,
  id: string,
): Promise<DeliveryView> => {
  assertCan(actor, 'delivery:prepare');
  const delivery = await loadDelivery(deps, id);
  const saved = await deps.deliveries.apply(startPreparation(delivery, actor, deps.clock.now()));
  await deps.preparer.start({ deliveryId: id, version: saved.version });
  return toView(deps, saved);
};

/** The PreparationStarter of the pipeline: a prepare job on the prepare queue. */
export const queuePreparer = (queue: JobQueue<PrepareJob>): PreparationStarter => ({
  start: (ref) => queue.send([{ deliveryId: ref.deliveryId, version: ref.version }]),
});

export const EXCLUSION_REASONS: Record<ExclusionCause, string> = {
  'address-missing': 'Address not specified',
  'duplicate-address': 'Exclusion of duplicates (based on address)',
  quarantined: 'Address in quarantine',
  denylisted: 'Address on denylist',
  'opted-out': 'The recipient no longer wants to be contacted.',
};

export interface PreparationDeps {
  deliveries: DeliveryRepository;
  audiences: AudienceRepository;
  profiles: ProfileRepository;
  quarantine: QuarantineRepository;
  recipientLog: RecipientLogRepository;
  checkpoints: PreparationCheckpoints;
  /** Where continuation jobs go. */
  queue: JobQueue<PrepareJob>;
  sendStarter: SendStarter;
  clock: Clock;
}

const PAGE = 1000;

type Classified =
  | { kind: 'target'; profile: Profile & { email: string } }
  | { kind: 'excluded'; profile: Profile; cause: ExclusionCause };

/**
 * Classifies a page of profiles. `seen` maps each address already in this preparation to the profile holding
 * it: a profile meeting its own address again (a page rewritten after a crash) is not a duplicate of itself.
 */
const classify = async (
  quarantine: QuarantineRepository,
  profiles: readonly Profile[],
  seen: Map<string, string>,
): Promise<Classified[]> => {
  const addresses = [...new Set(profiles.flatMap((p) => (p.email ? [normalizeAddress(p.email)] : [])))];
  const entries = new Map((await quarantine.getMany(addresses)).map((q) => [q.address, q.status]));
  return profiles.map((profile): Classified => {
    if (!profile.email) return { kind: 'excluded', profile, cause: 'address-missing' };
    const address = normalizeAddress(profile.email);
    const holder = seen.get(address);
    if (holder !== undefined && holder !== profile.id) {
      return { kind: 'excluded', profile, cause: 'duplicate-address' };
    }
    seen.set(address, profile.id);
    const status = entries.get(address);
    if (status === 'quarantined') return { kind: 'excluded', profile, cause: 'quarantined' };
    if (status === 'denylisted') return { kind: 'excluded', profile, cause: 'denylisted' };
    if (profile.optOut) return { kind: 'excluded', profile, cause: 'opted-out' };
    return { kind: 'target', profile: profile as Profile & { email: string } };
  });
};

/** On resume, the addresses already taken come back from the logs written so far. */
const rebuildSeen = async (log: RecipientLogRepository, ref: LogRef): Promise<Map<string, string>> => {
  const seen = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await log.listSending(ref, {}, { cursor, limit: 100 });
    for (const e of page.items) seen.set(normalizeAddress(e.email), e.profileId);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  do {
    const page = await log.listExclusions(ref, { cursor, limit: 100 });
    for (const e of page.items) {
      if (e.email && e.cause !== 'duplicate-address') seen.set(normalizeAddress(e.email), e.profileId);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return seen;
};

const current = async (deps: PreparationDeps, ref: LogRef): Promise<Delivery | null> => {
  const delivery = await deps.deliveries.get(ref.deliveryId);
  return delivery?.state === 'preparing' && delivery.version === ref.version ? delivery : null;
};

/** Writes one page of members: sending-log and exclusion-log entries; returns the counts it adds. */
const preparePage = async (
  deps: PreparationDeps,
  ref: LogRef,
  profileIds: readonly string[],
  seen: Map<string, string>,
  state: PreparationState,
): Promise<void> => {
  const profiles = await deps.profiles.getMany(profileIds);
  const at = deps.clock.now().toISOString();
  const targets: Target[] = [];
  const excluded: ExclusionLogEntry[] = [];
  for (const c of await classify(deps.quarantine, profiles, seen)) {
    if (c.kind === 'target') {
      // The frozen target: the address checked here and the names the message is personalized with.
      targets.push({
        recipientId: c.profile.id,
        profileId: c.profile.id,
        email: c.profile.email,
        ...(c.profile.firstName ? { firstName: c.profile.firstName } : {}),
        ...(c.profile.lastName ? { lastName: c.profile.lastName } : {}),
      });
    } else {
      state.exclusions[c.cause] = (state.exclusions[c.cause] ?? 0) + 1;
      excluded.push({
        ...ref,
        profileId: c.profile.id,
        email: c.profile.email ?? null,
        status: 'ignored',
        cause: c.cause,
        reason: EXCLUSION_REASONS[c.cause],
        at,
      });
    }
  }
  state.targeted += profiles.length;
  state.toDeliver += targets.length;
  await Promise.all([
    deps.recipientLog.putTargets(ref, targets, at),
    deps.recipientLog.putExclusions(excluded),
  ]);
};

/**
 * Runs (or resumes) one preparation for at most `budgetMs`, then hands over to a continuation job.
 * Returns the delivery once complete, 'continued' when handed over, null when abandoned.
 */
export const runPreparationJob = async (
  deps: PreparationDeps,
  ref: LogRef,
  budgetMs: number,
): Promise<Delivery | 'continued' | null> => {
  const startedAt = deps.clock.now().getTime();
  const delivery = await current(deps, ref);
  if (!delivery) return null;
  const errors: string[] = [];
  const saved = await deps.checkpoints.get(ref);
  const state: PreparationState = saved ?? {
    memberShard: 0,
    cursor: null,
    targeted: 0,
    toDeliver: 0,
    exclusions: {},
  };
  if (!(await deps.audiences.get(delivery.audienceId))) {
    errors.push(`The audience ${delivery.audienceId} does not exist.`);
  } else {
    const seen = saved ? await rebuildSeen(deps.recipientLog, ref) : new Map<string, string>();
    while (state.memberShard < SHARDS) {
      if (deps.clock.now().getTime() - startedAt > budgetMs) {
        await deps.queue.send([{ deliveryId: ref.deliveryId, version: ref.version }]);
        return 'continued';
      }
      const page = await deps.audiences.listMemberShard(
        delivery.audienceId,
        state.memberShard,
        state.cursor,
        PAGE,
      );
      await preparePage(deps, ref, page.profileIds, seen, state);
      if (page.last === null) {
        state.memberShard += 1;
        state.cursor = null;
      } else state.cursor = page.last;
      await deps.checkpoints.put(ref, state);
    }
  }
  const latest = await current(deps, ref);
  if (!latest) return null;
  const outcome = {
    targeted: state.targeted,
    toDeliver: state.toDeliver,
    exclusions: state.exclusions,
    errors,
  };
  let prepared: Delivery;
  try {
    prepared = await deps.deliveries.apply(completePreparation(latest, outcome, deps.clock.now()));
  } catch (error) {
    if (isDomainError(error) && error.kind === 'conflict') return null;
    throw error;
  }
  return autoConfirm(deps, prepared);
};

/** An execution whose recurring delivery does not ask for a confirmation is sent after preparation. */
const autoConfirm = async (deps: PreparationDeps, prepared: Delivery): Promise<Delivery> => {
  if (prepared.state !== 'ready' || !prepared.parentId) return prepared;
  const parent = await deps.deliveries.get(prepared.parentId);
  if (!parent?.recurrence || parent.recurrence.requestConfirmation || !parent.confirmedBy) return prepared;
  const sending = await deps.deliveries.apply(
    autoConfirmExecution(prepared, parent.confirmedBy, deps.clock.now()),
  );
  await deps.sendStarter.start(sending);
  return sending;
};

/** Runs a preparation to completion in one go (tests and the inline path): no budget. */
export const runPreparation = async (deps: PreparationDeps, ref: LogRef): Promise<Delivery | null> => {
  const result = await runPreparationJob(deps, ref, Number.POSITIVE_INFINITY);
  return result === 'continued' ? null : result;
};
