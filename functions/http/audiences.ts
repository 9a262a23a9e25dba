/** Audiences route group: create, list, read, add members, list members (ids, or with their profiles). */
import {
  addMembers,
  createAudience,
  getAudience,
  listAudienceProfiles,
  listAudiences,
  listMembers,
} from '#use-cases/audiences.ts';
import { audienceAdapters } from '#functions/lib/adapters.ts';
import { httpApi, idempotent, json, requires } from '#functions/lib/http.ts';
import { audienceInput, membersBatch } from './schemas.ts';

const deps = audienceAdapters();

export const handler = httpApi({
  'POST /audiences': requires(
    'audiences:write',
    idempotent(deps.tableNames.idempotency, async (req) =>
      json(201, await createAudience(deps, req.actor, req.body(audienceInput))),
    ),
  ),
  'GET /audiences': async (req) => json(200, await listAudiences(deps, req.page())),
  'GET /audiences/{id}': async (req) => json(200, await getAudience(deps, req.params.id!)),
  'POST /audiences/{id}/members:batch': requires('audiences:write', async (req) =>
    json(200, await addMembers(deps, req.actor, req.params.id!, req.body(membersBatch).profileIds)),
  ),
  'GET /audiences/{id}/members': async (req) =>
    json(200, await listMembers(deps, req.params.id!, req.page())),
  'GET /audiences/{id}/profiles': async (req) =>
    json(200, await listAudienceProfiles(deps, req.params.id!, req.page())),
});
