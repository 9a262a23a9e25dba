/**
 * Audiences use cases.
 * - createAudience: a named, empty audience.
 * - addMembers: up to 1,000 existing profiles; unknown profile ids are refused (400 naming each one).
 * - listAudiences: newest first; listAudienceProfiles: a page of members with their profiles.
 */
import { invalid, notFound } from '#domain/errors.ts';
import { type Audience, assertBatchSize, type Profile } from '#domain/profiles.ts';
import { type Actor, assertCan } from '#domain/roles.ts';
import type {
  AudienceDirectory,
  AudienceRepository,
  Clock,
  IdGenerator,
  Page,
  PageRequest,
  ProfileRepository,
} from '#ports/index.ts';

export const createAudience = async (
  deps: { audiences: AudienceRepository; ids: IdGenerator; clock: Clock },
  actor: Actor,
  input: { name: string },
): Promise<Audience> => {
  assertCan(actor, 'audiences:write');
  const audience: Audience = {
    id: deps.ids.next(),
    name: input.name,
    memberCount: 0,
    createdAt: deps.clock.now().toISOString(),
  };
  await deps.audiences.create(audience);
  return audience;
};

export const getAudience = async (deps: { audiences: AudienceRepository }, id: string): Promise<Audience> => {
  const audience = await deps.audiences.get(id);
  if (!audience) throw notFound('Audience', id);
  return audience;
};

export const addMembers = async (
  deps: { audiences: AudienceRepository; profiles: ProfileRepository },
  actor: Actor,
  audienceId: string,
  profileIds: readonly string[],
): Promise<{ audience: Audience; added: number }> => {
  assertCan(actor, 'audiences:write');
  assertBatchSize('profileIds', profileIds.length);
  await getAudience(deps, audienceId);
  const unique = [...new Set(profileIds)];
  const found = new Set((await deps.profiles.getMany(unique)).map((p) => p.id));
  const missing = profileIds
    .map((id, index) => ({ id, index }))
    .filter(({ id }) => !found.has(id))
    .map(({ id, index }) => ({ field: `profileIds[${index}]`, message: `profile ${id} does not exist` }));
  if (missing.length > 0) throw invalid('Some profiles do not exist.', missing);
  const added = await deps.audiences.addMembers(audienceId, unique);
  return { audience: await getAudience(deps, audienceId), added };
};

export const listMembers = async (
  deps: { audiences: AudienceRepository },
  audienceId: string,
  page: PageRequest,
): Promise<Page<string>> => {
  await getAudience(deps, audienceId);
  return deps.audiences.listMembers(audienceId, page);
};

/** The audiences, newest first. */
export const listAudiences = async (
  deps: { audiences: AudienceDirectory },
  page: PageRequest,
): Promise<Page<Audience>> => deps.audiences.listAudiences(page);

/** A page of an audience's members with their profile fields (the members page, then one batch read). */
export const listAudienceProfiles = async (
  deps: { audiences: AudienceRepository; profiles: ProfileRepository },
  audienceId: string,
  page: PageRequest,
): Promise<Page<Profile>> => {
  const members = await listMembers(deps, audienceId, page);
  return { items: await deps.profiles.getMany(members.items), nextCursor: members.nextCursor };
};
