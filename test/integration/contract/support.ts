/**
 * What the contract suites share. Each suite runs the same cases against every implementation of a port (the
 * in-memory fake the unit tests use, and the adapter on the emulators through the real SDK clients): where they
 * disagree, the adapter is the reference, since it is what runs in AWS.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { type DomainError, isDomainError } from '#domain/errors.ts';
import { shardOf } from '#domain/shards.ts';
import type { Page, PageRequest } from '#ports/index.ts';

/** One implementation of a port under contract: its name in the report, and how to get a fresh one. */
export interface Implementation<T> {
  name: string;
  make: () => T;
}

/** An id no other test uses (the adapters share their tables between tests). */
export const unique = (prefix: string): string => `${prefix}-${randomUUID()}`;

/** `count` ids that all fall in one shard (the shard of the first). */
export const idsInOneShard = (count: number, tag: string): { shard: number; ids: string[] } => {
  const ids: string[] = [];
  let shard = -1;
  for (let i = 0; ids.length < count; i++) {
    const id = `r${String(i).padStart(4, '0')}-${tag}`;
    if (shard === -1) shard = shardOf(id);
    if (shardOf(id) === shard) ids.push(id);
  }
  return { shard, ids };
};

/** The domain error a promise rejects with (fails the test if it resolves or throws something else). */
export const rejection = async (promise: Promise<unknown>): Promise<DomainError> => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isDomainError(error)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
};

/** Asserts that a list refused its page request as a 400 on `field` (cursor or limit). */
export const refusesPage = async (promise: Promise<unknown>, field: 'cursor' | 'limit'): Promise<void> => {
  const error = await rejection(promise);
  expect(error.kind).toBe('invalid');
  expect(error.details?.fields).toEqual([{ field, message: expect.any(String) }]);
};

/**
 * Every page of a list with `limit`: each page that has a cursor is full (a full last page may still carry one,
 * to an empty page).
 */
export const allPages = async <T>(
  list: (page: PageRequest) => Promise<Page<T>>,
  limit: number,
): Promise<{ items: T[]; pages: T[][] }> => {
  const items: T[] = [];
  const pages: T[][] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ cursor, limit });
    pages.push(page.items);
    if (page.nextCursor) expect(page.items).toHaveLength(limit);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && pages.length < 200);
  return { items, pages };
};
