/**
 * Resend to who did not get it (shared/domain/resend.ts for who that is).
 *
 * resendDelivery, primary course:
 *  1. refuse anyone who may not create deliveries (403), then load the delivery (404);
 *  2. its send must be over (finished, stopped or failed) and prepared (409 otherwise);
 *  3. read its sending log's `failed` and `canceled` recipients and keep those resendCause accepts (soft failures,
 *     canceled, in doubt past the window), then drop profiles gone, opted out or without an address since, and
 *     addresses now quarantined or denylisted;
 *  4. nobody left: 409 NOTHING_TO_RESEND;
 *  5. an audience of exactly those profiles, and a new delivery in `editing` on it with the content the send used
 *     (its prepared snapshot) and `resendOf` naming the original: it is then prepared and confirmed like any other
 *     (the preparation checks every exclusion again).
 */
import { createDelivery, type Delivery } from '#domain/delivery.ts';
import { conflict, DomainError } from '#domain/errors.ts';
import { normalizeAddress } from '#domain/profiles.ts';
import { RESENDABLE_STATES, type ResendCause, resendCause } from '#domain/resend.ts';
import { type Actor, assertCan } from '#domain/roles.ts';
import type {
  AudienceRepository,
  IdGenerator,
  ProfileRepository,
  QuarantineRepository,
  RecipientLogRepository,
  SendingLogEntry,
} from '#ports/index.ts';
import { type DeliveryView, loadDelivery, toView, type ViewDeps } from './deliveries.ts';

export interface ResendDeps extends ViewDeps {
  audiences: AudienceRepository;
  recipientLog: RecipientLogRepository;
  profiles: ProfileRepository;
  quarantine: QuarantineRepository;
  ids: IdGenerator;
}

/** Who a resend targets, and why each was left out. */
export interface ResendTarget {
  profileIds: string[];
  byCause: Record<ResendCause, number>;
  leftOut: { optedOut: number; quarantined: number; noAddress: number };
}

const MEMBERS_PER_CALL = 1000;

/** The recipients of a finished send a resend targets (steps 3 of the primary course). */
export const resendTarget = async (deps: ResendDeps, source: Delivery): Promise<ResendTarget> => {
  const ref = { deliveryId: source.id, version: source.preparation!.version };
  const candidates: Array<SendingLogEntry & { cause: ResendCause }> = [];
  for (const status of ['failed', 'canceled'] as const) {
    let cursor: string | undefined;
    do {
      const page = await deps.recipientLog.listSending(ref, { status }, { cursor, limit: 100 });
      for (const entry of page.items) {
        const cause = resendCause(entry);
        if (cause) candidates.push({ ...entry, cause });
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  const target: ResendTarget = {
    profileIds: [],
    byCause: { 'soft-bounce': 0, canceled: 0, 'in-doubt-expired': 0 },
    leftOut: { optedOut: 0, quarantined: 0, noAddress: 0 },
  };
  for (let i = 0; i < candidates.length; i += MEMBERS_PER_CALL) {
    const chunk = candidates.slice(i, i + MEMBERS_PER_CALL);
    const profiles = new Map(
      (await deps.profiles.getMany(chunk.map((c) => c.profileId))).map((p) => [p.id, p]),
    );
    const addresses = [...profiles.values()].flatMap((p) => (p.email ? [normalizeAddress(p.email)] : []));
    const blocked = new Set(
      (await deps.quarantine.getMany(addresses))
        .filter((q) => q.status === 'quarantined' || q.status === 'denylisted')
        .map((q) => q.address),
    );
    for (const c of chunk) {
      const profile = profiles.get(c.profileId);
      if (!profile?.email) target.leftOut.noAddress++;
      else if (profile.optOut) target.leftOut.optedOut++;
      else if (blocked.has(normalizeAddress(profile.email))) target.leftOut.quarantined++;
      else {
        target.profileIds.push(c.profileId);
        target.byCause[c.cause]++;
      }
    }
  }
  return target;
};

export const resendDelivery = async (
  deps: ResendDeps,
  actor: Actor,
  id: string,
): Promise<DeliveryView & { resendTarget: ResendTarget }> => {
  assertCan(actor, 'delivery:create');
  const source = await loadDelivery(deps, id);
  const snapshot = source.preparation?.snapshot;
  if (!(RESENDABLE_STATES as readonly string[]).includes(source.state) || !snapshot) {
    throw conflict(`The delivery is ${source.state}: a resend is made once its send is over.`, {
      state: source.state,
      version: source.version,
    });
  }
  const target = await resendTarget(deps, source);
  if (target.profileIds.length === 0) {
    throw new DomainError(
      'conflict',
      'NOTHING_TO_RESEND',
      'Every recipient of this delivery got it, or may not be sent to again.',
      {
        state: source.state,
        version: source.version,
        leftOut: target.leftOut,
      },
    );
  }
  const now = deps.clock.now();
  const audienceId = deps.ids.next();
  await deps.audiences.create({
    id: audienceId,
    name: `Resend of ${source.label}`.slice(0, 200),
    memberCount: 0,
    createdAt: now.toISOString(),
  });
  for (let i = 0; i < target.profileIds.length; i += MEMBERS_PER_CALL) {
    await deps.audiences.addMembers(audienceId, target.profileIds.slice(i, i + MEMBERS_PER_CALL));
  }
  const delivery: Delivery = {
    ...createDelivery(
      { label: `${source.label} (resend)`.slice(0, 200), content: snapshot.content, audienceId },
      actor,
      deps.ids.next(),
      now,
    ),
    resendOf: { deliveryId: source.id, version: source.preparation!.version, label: source.label },
  };
  await deps.deliveries.create(delivery);
  return { ...(await toView(deps, delivery)), resendTarget: target };
};
