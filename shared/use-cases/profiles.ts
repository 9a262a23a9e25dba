/**
 * Profiles use cases.
 * - upsertProfiles: validate every profile (all field errors at once), assign ids to new ones, upsert.
 * - getProfile / profileHistory: read.
 */
import { invalid, notFound } from '#domain/errors.ts';
import { assertBatchSize, type Profile, validateProfileFields } from '#domain/profiles.ts';
import { type Actor, assertCan } from '#domain/roles.ts';
import type {
  Clock,
  IdGenerator,
  Page,
  PageRequest,
  ProfileInput,
  ProfileRepository,
  RecipientLogRepository,
  SendingLogEntry,
} from '#ports/index.ts';

export const upsertProfiles = async (
  deps: { profiles: ProfileRepository; ids: IdGenerator; clock: Clock },
  actor: Actor,
  input: readonly ProfileInput[],
): Promise<Profile[]> => {
  assertCan(actor, 'profiles:write');
  assertBatchSize('profiles', input.length);
  const fields = input.flatMap((p, i) => validateProfileFields(p, i));
  const seen = new Set<string>();
  input.forEach((p, i) => {
    if (p.id === undefined) return;
    if (seen.has(p.id)) fields.push({ field: `profiles[${i}].id`, message: 'appears twice in the batch' });
    seen.add(p.id);
  });
  if (fields.length > 0) throw invalid('Some profiles are not valid.', fields);
  const withIds = input.map((p) => ({ ...p, id: p.id ?? deps.ids.next() }));
  return deps.profiles.upsertMany(withIds, deps.clock.now());
};

export const getProfile = async (deps: { profiles: ProfileRepository }, id: string): Promise<Profile> => {
  const profile = await deps.profiles.get(id);
  if (!profile) throw notFound('Profile', id);
  return profile;
};

export const profileHistory = async (
  deps: { profiles: ProfileRepository; recipientLog: RecipientLogRepository },
  id: string,
  page: PageRequest,
): Promise<Page<SendingLogEntry>> => {
  await getProfile(deps, id);
  return deps.recipientLog.historyForProfile(id, page);
};
