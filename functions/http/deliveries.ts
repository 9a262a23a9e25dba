/** Deliveries route group: create, list, read, edit, prepare, compute stats, executions, timeline. */
import { invalid } from '#domain/errors.ts';
import {
  createDelivery,
  getDelivery,
  listDeliveries,
  listExecutions,
  updateDelivery,
} from '#use-cases/deliveries.ts';
import { requestPreparation } from '#use-cases/preparation.ts';
import { resendDelivery } from '#use-cases/resend.ts';
import { computeStats } from '#use-cases/stats.ts';
import { deliveryTimeline } from '#use-cases/timeline.ts';
import { deliveryAdapters } from '#functions/lib/adapters.ts';
import { httpApi, idempotent, json, requires, zodFields } from '#functions/lib/http.ts';
import { deliveryInput, deliveryPatch, stateFilter } from './schemas.ts';

const deps = deliveryAdapters();

export const handler = httpApi({
  'POST /deliveries': requires(
    'delivery:create',
    idempotent(deps.tableNames.idempotency, async (req) =>
      json(201, await createDelivery(deps, req.actor, req.body(deliveryInput))),
    ),
  ),
  'GET /deliveries': async (req) => {
    const state = stateFilter.safeParse(req.query.state || undefined);
    if (!state.success)
      throw invalid(
        'The state filter is not valid.',
        zodFields(state.error).map((f) => ({ ...f, field: 'state' })),
      );
    return json(200, await listDeliveries(deps, { state: state.data }, req.page()));
  },
  'GET /deliveries/{id}': async (req) => json(200, await getDelivery(deps, req.params.id!)),
  'PATCH /deliveries/{id}': requires('delivery:edit', async (req) =>
    json(200, await updateDelivery(deps, req.actor, req.params.id!, req.body(deliveryPatch))),
  ),
  'POST /deliveries/{id}/prepare': requires('delivery:prepare', async (req) =>
    json(202, await requestPreparation(deps, req.actor, req.params.id!)),
  ),
  'POST /deliveries/{id}/compute-stats': async (req) => json(200, await computeStats(deps, req.params.id!)),
  'GET /deliveries/{id}/executions': async (req) =>
    json(200, await listExecutions(deps, req.params.id!, req.page())),
  'GET /deliveries/{id}/timeline': async (req) => json(200, await deliveryTimeline(deps, req.params.id!)),
  'POST /deliveries/{id}/resend': requires(
    'delivery:create',
    idempotent(deps.tableNames.idempotency, async (req) =>
      json(201, await resendDelivery(deps, req.actor, req.params.id!)),
    ),
  ),
});
