/** What the fakes share: paging like the adapters' opaque cursors, copies in and out, a log's key. */
import { invalid } from '#domain/errors.ts';
import type { LogRef, Page, PageRequest } from '#ports/index.ts';

export const paginate = <T>(all: T[], page: PageRequest): Page<T> => {
  const start = page.cursor ? Number(page.cursor) : 0;
  if (!Number.isInteger(start) || start < 0)
    throw invalid('The cursor is not valid.', [{ field: 'cursor', message: 'unknown cursor' }]);
  const limit = page.limit ?? 50;
  const items = all.slice(start, start + limit);
  return { items, nextCursor: start + limit < all.length ? String(start + limit) : null };
};

export const clone = <T>(value: T): T => structuredClone(value);

export const refKey = (r: LogRef): string => `${r.deliveryId}#${r.version}`;
