/** Proofs route group: send a proof of the prepared content, list a delivery's proofs. */
import { listProofs, sendProof } from '#use-cases/proofs.ts';
import { proofAdapters } from '#functions/lib/adapters.ts';
import { httpApi, idempotent, json, requires } from '#functions/lib/http.ts';
import { proofInput } from './schemas.ts';

const deps = proofAdapters();

export const handler = httpApi({
  'POST /deliveries/{id}/proofs': requires(
    'delivery:proof',
    idempotent(deps.tableNames.idempotency, async (req) =>
      json(201, await sendProof(deps, req.actor, req.params.id!, req.body(proofInput).addresses)),
    ),
  ),
  'GET /deliveries/{id}/proofs': async (req) => json(200, await listProofs(deps, req.params.id!, req.page())),
});
