/**
 * Preparation.
 * requestPreparation (the API): 403 → 404 → 409, then `preparing` and hand the work to the PreparationStarter.
 * runPreparation (inline or a worker), primary course:
 *  1. page through the audience members;
 *  2. classify each profile: address missing, duplicate address (case-insensitive), quarantined, denylisted,
 *     opted out; everyone else is To deliver;
 *  3. write the exclusion log (status ignored, with the cause) and one pending sending-log entry per recipient;
 *  4. complete: ready with the counts and a frozen snapshot, or preparation-failed with the errors.
 * A preparation whose delivery changed meanwhile (edited, so a new version) is abandoned.
 */
import {
  completePreparation,
  type Delivery,
  type ExclusionCause,
  startPreparation,
} from '../domain/delivery.ts';
import { isDomainError } from '../domain/errors.ts';
import { normalizeAddress, type Profile } from '../domain/profiles.ts';
import { type Actor, assertCan } from '../domain/roles.ts';
import type {
  AudienceRepository,
  Clock,
  DeliveryRepository,
  ExclusionLogEntry,
  LogRef,
  PreparationStarter,
  ProfileRepository,
  QuarantineRepository,
  RecipientLogRepository,
  SendingLogEntry,
  StatsRepository,
} from '../ports/index.ts';
import { type DeliveryView, loadDelivery, toView } from './deliveries.ts';

export const requestPreparation = async (
  deps: {
    deliveries: DeliveryRepository;
    stats: StatsRepository;
    preparer: PreparationStarter;
    clock: Clock;
  },
  actor: Actor,
  id: string,
): Promise<DeliveryView> => {
  assertCan(actor, 'delivery:prepare');
  const delivery = await loadDelivery(deps, id);
  const saved = await deps.deliveries.apply(startPreparation(delivery, actor, deps.clock.now()));
  const view = await toView(deps, saved);
  await deps.preparer.start({ deliveryId: id, version: saved.version });
  return view;
};

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
  clock: Clock;
}

const PAGE = 1000;

type Classified =
  | { kind: 'target'; profile: Profile & { email: string } }
  | { kind: 'excluded'; profile: Profile; cause: ExclusionCause };

/** Classifies a page of profiles. `seen` carries the addresses already targeted or excluded as duplicates. */
const classify = async (
  quarantine: QuarantineRepository,
  profiles: readonly Profile[],
  seen: Set<string>,
): Promise<Classified[]> => {
  const addresses = [...new Set(profiles.flatMap((p) => (p.email ? [normalizeAddress(p.email)] : [])))];
  const entries = new Map((await quarantine.getMany(addresses)).map((q) => [q.address, q.status]));
  return profiles.map((profile): Classified => {
    if (!profile.email) return { kind: 'excluded', profile, cause: 'address-missing' };
    const address = normalizeAddress(profile.email);
    if (seen.has(address)) return { kind: 'excluded', profile, cause: 'duplicate-address' };
    seen.add(address);
    const status = entries.get(address);
    if (status === 'quarantined') return { kind: 'excluded', profile, cause: 'quarantined' };
    if (status === 'denylisted') return { kind: 'excluded', profile, cause: 'denylisted' };
    if (profile.optOut) return { kind: 'excluded', profile, cause: 'opted-out' };
    return { kind: 'target', profile: profile as Profile & { email: string } };
  });
};

export const runPreparation = async (deps: PreparationDeps, ref: LogRef): Promise<Delivery | null> => {
  const delivery = await deps.deliveries.get(ref.deliveryId);
  if (delivery?.state !== 'preparing' || delivery.version !== ref.version) return null;
  const exclusions: Partial<Record<ExclusionCause, number>> = {};
  const errors: string[] = [];
  let targeted = 0;
  let toDeliver = 0;
  const seen = new Set<string>();
  if (!(await deps.audiences.get(delivery.audienceId))) {
    errors.push(`The audience ${delivery.audienceId} does not exist.`);
  } else {
    let cursor: string | undefined;
    do {
      const page = await deps.audiences.listMembers(delivery.audienceId, { cursor, limit: PAGE });
      cursor = page.nextCursor ?? undefined;
      const profiles = await deps.profiles.getMany(page.items);
      targeted += profiles.length;
      const at = deps.clock.now().toISOString();
      const classified = await classify(deps.quarantine, profiles, seen);
      const targets: SendingLogEntry[] = [];
      const excluded: ExclusionLogEntry[] = [];
      for (const c of classified) {
        if (c.kind === 'target') {
          targets.push({
            ...ref,
            recipientId: c.profile.id,
            profileId: c.profile.id,
            email: c.profile.email,
            status: 'pending',
            updatedAt: at,
          });
        } else {
          exclusions[c.cause] = (exclusions[c.cause] ?? 0) + 1;
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
      toDeliver += targets.length;
      await Promise.all([deps.recipientLog.putTargets(targets), deps.recipientLog.putExclusions(excluded)]);
    } while (cursor);
  }
  const current = await deps.deliveries.get(ref.deliveryId);
  if (current?.state !== 'preparing' || current.version !== ref.version) return null;
  try {
    return await deps.deliveries.apply(
      completePreparation(current, { targeted, toDeliver, exclusions, errors }, deps.clock.now()),
    );
  } catch (error) {
    if (isDomainError(error) && error.kind === 'conflict') return null;
    throw error;
  }
};
