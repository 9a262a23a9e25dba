/** Sending, exclusion and tracking logs of a delivery (administration role). */

import { invalid } from '#domain/errors.ts';
import { exclusionLogs, sendingLogs, trackingLogs } from '#use-cases/logs.ts';
import { logAdapters } from '#functions/lib/adapters.ts';
import { httpApi, json, requires } from '#functions/lib/http.ts';
import { recipientStatus, trackingType } from './schemas.ts';

const deps = logAdapters();

export const handler = httpApi({
  'GET /deliveries/{id}/sending-logs': requires('logs:read', async (req) => {
    const status = recipientStatus.safeParse(req.query.status || undefined);
    if (!status.success)
      throw invalid('The status filter is not valid.', [{ field: 'status', message: 'unknown status' }]);
    return json(200, await sendingLogs(deps, req.actor, req.params.id!, status.data, req.page()));
  }),
  'GET /deliveries/{id}/exclusion-logs': requires('logs:read', async (req) =>
    json(200, await exclusionLogs(deps, req.actor, req.params.id!, req.page())),
  ),
  'GET /deliveries/{id}/tracking-logs': requires('logs:read', async (req) => {
    const type = trackingType.safeParse(req.query.type || undefined);
    if (!type.success)
      throw invalid('The type filter is not valid.', [{ field: 'type', message: 'open, click or opt-out' }]);
    return json(200, await trackingLogs(deps, req.actor, req.params.id!, type.data, req.page()));
  }),
});
