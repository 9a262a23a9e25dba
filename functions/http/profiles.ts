/** Profiles route group: POST /profiles:batch, GET /profiles/{id}, GET /profiles/{id}/history. */
import { getProfile, profileHistory, upsertProfilesCounted } from '#use-cases/profiles.ts';
import { profileAdapters } from '#functions/lib/adapters.ts';
import { httpApi, idempotent, json, requires } from '#functions/lib/http.ts';
import { profilesBatch } from './schemas.ts';

const deps = profileAdapters();

export const handler = httpApi({
  'POST /profiles:batch': requires(
    'profiles:write',
    idempotent(deps.tableNames.idempotency, async (req) =>
      json(200, await upsertProfilesCounted(deps, req.actor, req.body(profilesBatch).profiles)),
    ),
  ),
  'GET /profiles/{id}': async (req) => json(200, await getProfile(deps, req.params.id!)),
  'GET /profiles/{id}/history': async (req) =>
    json(200, await profileHistory(deps, req.params.id!, req.page())),
});
