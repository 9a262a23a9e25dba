/** Confirm, pause, resume, stop: Start deliveries role only (403 with Adobe's message otherwise). */
import { confirm, pause, resume, stop } from '#use-cases/control.ts';
import { controlAdapters } from '#functions/lib/adapters.ts';
import { httpApi, json, requires } from '#functions/lib/http.ts';

const deps = controlAdapters();

export const handler = httpApi({
  'POST /deliveries/{id}/confirm': requires('delivery:confirm', async (req) =>
    json(200, await confirm(deps, req.actor, req.params.id!)),
  ),
  'POST /deliveries/{id}/pause': requires('delivery:pause', async (req) =>
    json(200, await pause(deps, req.actor, req.params.id!)),
  ),
  'POST /deliveries/{id}/resume': requires('delivery:resume', async (req) =>
    json(200, await resume(deps, req.actor, req.params.id!)),
  ),
  'POST /deliveries/{id}/stop': requires('delivery:stop', async (req) =>
    json(200, await stop(deps, req.actor, req.params.id!)),
  ),
});
