/**
 * ProfileRepository on the `profiles` table (`P#<id>` / `PROFILE`). An upsert is one UpdateItem per profile: it
 * SETs the fields given, REMOVEs those given as null and leaves the others as stored. A list unsubscribe opts a
 * profile out with one conditional UpdateItem that also records when and from which message (`optOutAt`,
 * `optOutSource`); an upsert that sets optOut records when (`optOutAt`, kept if set), one that clears it removes both.
 * A profile with an address carries it normalized as `emailKey`, the key of the sparse `byEmail` index (keys only:
 * written when the address is set or changes, not when an upsert leaves it as it was).
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { normalizeAddress, type Profile } from '#domain/profiles.ts';
import type { ProfileInput, ProfileRepository } from '#ports/index.ts';
import { batchGetAll, mapLimit } from './batch.ts';
import { isConditionalCheckFailed } from './client.ts';
import { INDEX, profileKey } from './keys.ts';

export interface ProfileTableOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** UpdateItem calls in flight during an upsert (default 16). */
  concurrency?: number;
}

const OPTIONAL_FIELDS = ['email', 'firstName', 'lastName', 'timeZone'] as const;

/** The attributes of a `Profile`; keys and `entity` stay in the table. */
const PROFILE_FIELDS = [
  'id',
  'email',
  'firstName',
  'lastName',
  'timeZone',
  'optOut',
  'optOutAt',
  'optOutSource',
  'updatedAt',
] as const;

const fromItem = (item: Record<string, unknown>): Profile =>
  Object.fromEntries(
    PROFILE_FIELDS.filter((name) => item[name] !== undefined && item[name] !== null).map((name) => [
      name,
      item[name],
    ]),
  ) as unknown as Profile;

/** Merges inputs for the same id in order (a later field wins), keeping the order of first appearance. */
const mergeById = (
  profiles: ReadonlyArray<ProfileInput & { id: string }>,
): Array<ProfileInput & { id: string }> => {
  const merged = new Map<string, ProfileInput & { id: string }>();
  for (const profile of profiles) {
    const current = merged.get(profile.id);
    if (!current) merged.set(profile.id, { ...profile });
    else
      for (const [k, v] of Object.entries(profile)) if (v !== undefined) Object.assign(current, { [k]: v });
  }
  return [...merged.values()];
};

const updateFor = (input: ProfileInput & { id: string }, now: Date) => {
  const set = ['#id = :id', '#updatedAt = :updatedAt', '#entity = :entity'];
  const remove: string[] = [];
  const names: Record<string, string> = {
    '#id': 'id',
    '#updatedAt': 'updatedAt',
    '#entity': 'entity',
    '#optOut': 'optOut',
  };
  const values: Record<string, unknown> = {
    ':id': input.id,
    ':updatedAt': now.toISOString(),
    ':entity': 'profile',
  };
  for (const field of OPTIONAL_FIELDS) {
    const value = input[field];
    if (value === undefined) continue;
    names[`#${field}`] = field;
    if (value === null) remove.push(`#${field}`);
    else {
      set.push(`#${field} = :${field}`);
      values[`:${field}`] = value;
    }
  }
  if (input.email === null) remove.push('emailKey');
  else if (typeof input.email === 'string') {
    set.push('emailKey = :emailKey');
    values[':emailKey'] = normalizeAddress(input.email);
  }
  if (input.optOut === undefined) {
    set.push('#optOut = if_not_exists(#optOut, :optOut)');
    values[':optOut'] = false;
  } else {
    set.push('#optOut = :optOut');
    values[':optOut'] = input.optOut;
    // Opted out: since now, unless it already was. Opted back in: the last opt-out no longer describes it.
    if (input.optOut) {
      set.push('optOutAt = if_not_exists(optOutAt, :updatedAt)');
    } else remove.push('optOutAt', 'optOutSource');
  }
  return {
    UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
};

export class DynamoProfileRepository implements ProfileRepository {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #concurrency: number;

  constructor(options: ProfileTableOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#concurrency = options.concurrency ?? 16;
  }

  /** Returns the stored profiles, one per distinct id, in the order the ids first appear. */
  async upsertMany(profiles: Array<ProfileInput & { id: string }>, now: Date): Promise<Profile[]> {
    return mapLimit(mergeById(profiles), this.#concurrency, async (input) => {
      const out = await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: profileKey(input.id),
          ...updateFor(input, now),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(out.Attributes ?? {});
    });
  }

  async get(id: string): Promise<Profile | null> {
    const out = await this.#client.send(new GetCommand({ TableName: this.#table, Key: profileKey(id) }));
    return out.Item ? fromItem(out.Item) : null;
  }

  /** SETs optOut with its time and source unless the profile is missing or already opted out. */
  async optOut(
    profileId: string,
    source: { deliveryId: string; sesMessageId: string },
    at: string,
  ): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: profileKey(profileId),
          UpdateExpression: 'SET optOut = :true, optOutAt = :at, optOutSource = :source, updatedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(optOut) OR optOut = :false)',
          ExpressionAttributeValues: {
            ':true': true,
            ':false': false,
            ':at': at,
            ':source': { deliveryId: source.deliveryId, sesMessageId: source.sesMessageId },
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** The ids of the profiles whose address is `address` (normalized; the byEmail index, eventually consistent). */
  async idsByEmail(address: string): Promise<string[]> {
    const ids: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: INDEX.profilesByEmail,
          KeyConditionExpression: 'emailKey = :address',
          ExpressionAttributeValues: { ':address': normalizeAddress(address) },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        const pk = String(item.pk);
        if (pk.startsWith('P#')) ids.push(pk.slice(2));
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return ids;
  }

  /** Any number of ids (100 per BatchGetItem); found profiles in the order of the ids, missing ones left out. */
  async getMany(ids: readonly string[]): Promise<Profile[]> {
    const distinct = [...new Set(ids)];
    const items = await batchGetAll(this.#client, this.#table, distinct.map(profileKey));
    const byId = new Map(items.map((item) => [item.id as string, fromItem(item)]));
    return distinct.flatMap((id) => {
      const profile = byId.get(id);
      return profile ? [profile] : [];
    });
  }
}
