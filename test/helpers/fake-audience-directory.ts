/**
 * The in-memory AudienceDirectory (kept beside test/helpers/fakes.ts, which other work is reorganizing): the
 * fake audiences listed newest first. test/integration/audience-directory.test.ts holds it to the DynamoDB adapter.
 */
import { invalid } from '#domain/errors.ts';
import type { Audience } from '#domain/profiles.ts';
import type { AudienceDirectory, Page, PageRequest } from '#ports/index.ts';
import { FakeAudiences } from './fakes.ts';

export class FakeAudienceDirectory extends FakeAudiences implements AudienceDirectory {
  async listAudiences(page: PageRequest): Promise<Page<Audience>> {
    const all = [...this.items.values()].sort(
      (a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id),
    );
    const start = page.cursor ? Number(page.cursor) : 0;
    if (!Number.isInteger(start) || start < 0)
      throw invalid('The cursor is not valid.', [{ field: 'cursor', message: 'unknown cursor' }]);
    const limit = page.limit ?? 50;
    return {
      items: all.slice(start, start + limit).map((a) => structuredClone(a)),
      nextCursor: start + limit < all.length ? String(start + limit) : null,
    };
  }
}
