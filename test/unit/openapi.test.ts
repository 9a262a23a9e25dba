import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildOpenApi, OPERATIONS } from '#scripts/openapi/document.ts';
import { buildConsoleTypes, CONSOLE_TYPES_FILE } from '#scripts/openapi/types.ts';
import { httpRoutes } from '#topology/topology.ts';
import { assertContract } from '#test/helpers/contract.ts';

describe('OpenAPI document', () => {
  it('is committed up to date (run `npm run openapi` after changing a schema or a route)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(buildOpenApi());
  });

  it("has the console's API types generated from it committed up to date (run `npm run openapi`)", async () => {
    expect(readFileSync(CONSOLE_TYPES_FILE, 'utf8')).toBe(await buildConsoleTypes(buildOpenApi()));
  });

  it('gives every operation a unique operationId made of letters (what the console calls it)', () => {
    const ids = Object.values(OPERATIONS).map((op) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z]+$/);
  });

  it('documents exactly the routes of the topology', () => {
    expect(Object.keys(OPERATIONS).sort()).toEqual(
      httpRoutes()
        .map((r) => r.routeKey)
        .sort(),
    );
  });

  it('refuses a body that breaks the contract, and accepts one that keeps it', () => {
    expect(() =>
      assertContract('GET', '/profiles/{id}', 200, { id: 'p1', optOut: false, updatedAt: 'x' }),
    ).not.toThrow();
    expect(() => assertContract('GET', '/profiles/{id}', 200, { id: 'p1' })).toThrow(/breaks the contract/);
    expect(() =>
      assertContract('POST', '/deliveries/{id}/confirm', 403, {
        error: { code: 'FORBIDDEN', message: 'Your permissions do not allow you to confirm a delivery.' },
      }),
    ).not.toThrow();
    expect(() => assertContract('POST', '/deliveries/{id}/confirm', 403, { message: 'Forbidden' })).toThrow();
    expect(() => assertContract('GET', '/deliveries/{id}', 401, { message: 'Unauthorized' })).not.toThrow();
  });
});
