/** What the fakes share: paging like the adapters' opaque cursors, copies in and out, a log's key. */
import { pageLimit } from '#adapters/dynamodb/paging.ts';
import { invalid } from '#domain/errors.ts';
import type { LogRef, Page, PageRequest } from '#ports/index.ts';

/**
 * A page of `all` (in list order): the page size as the adapters take it (default 50, at most `max`, 100 unless
 * the list says otherwise; anything but a positive integer is a 400).
 */
export const paginate = <T>(all: T[], page: PageRequest, max?: number): Page<T> => {
  const start = page.cursor ? Number(page.cursor) : 0;
  if (!Number.isInteger(start) || start < 0)
    throw invalid('The cursor is not valid.', [{ field: 'cursor', message: 'unknown cursor' }]);
  const limit = pageLimit(page.limit, max);
  const items = all.slice(start, start + limit);
  return { items, nextCursor: start + limit < all.length ? String(start + limit) : null };
};

export const clone = <T>(value: T): T => structuredClone(value);

/** DynamoDB's order of string keys (their bytes, upper case before lower case), not a locale's. */
export const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const refKey = (r: LogRef): string => `${r.deliveryId}#${r.version}`;
