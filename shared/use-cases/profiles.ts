/**
 * Profiles use cases.
 * - upsertProfiles: validate every profile (all field errors at once), assign ids to new ones, upsert;
 *   upsertProfilesCounted also counts the profiles created and updated.
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

/**
 * upsertProfiles, telling how many profiles were created and how many updated (the import's summary): the ids
 * given are read first, so the counts describe this request unless another one writes the same ids meanwhile.
 */
export const upsertProfilesCounted = async (
  deps: { profiles: ProfileRepository; ids: IdGenerator; clock: Clock },
  actor: Actor,
  input: readonly ProfileInput[],
): Promise<{ items: Profile[]; created: number; updated: number }> => {
  assertCan(actor, 'profiles:write');
  assertBatchSize('profiles', input.length);
  const given = input.flatMap((p) => (p.id === undefined ? [] : [p.id]));
  const existing = new Set((await deps.profiles.getMany(given)).map((p) => p.id));
  const items = await upsertProfiles(deps, actor, input);
  const updated = items.filter((p) => existing.has(p.id)).length;
  return { items, created: items.length - updated, updated };
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
