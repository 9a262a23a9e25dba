/** Sending, exclusion and tracking logs of a delivery (administration role). */

import { invalid } from '../../shared/domain/errors.ts';
import { assertCan } from '../../shared/domain/roles.ts';
import { loadDelivery } from '../../shared/use-cases/deliveries.ts';
import { exclusionLogs, sendingLogs } from '../../shared/use-cases/logs.ts';
import { logAdapters } from '../lib/adapters.ts';
import { httpApi, json } from '../lib/http.ts';
import { recipientStatus } from './schemas.ts';

const deps = logAdapters();

export const handler = httpApi({
  'GET /deliveries/{id}/sending-logs': async (req) => {
    const status = recipientStatus.safeParse(req.query.status || undefined);
    if (!status.success)
      throw invalid('The status filter is not valid.', [{ field: 'status', message: 'unknown status' }]);
    return json(200, await sendingLogs(deps, req.actor, req.params.id!, status.data, req.page()));
  },
  'GET /deliveries/{id}/exclusion-logs': async (req) =>
    json(200, await exclusionLogs(deps, req.actor, req.params.id!, req.page())),
  'GET /deliveries/{id}/tracking-logs': async (req) => {
    // The tracking log fills with SES opens and clicks (event ingestion); until then it is empty.
    assertCan(req.actor, 'logs:read');
    await loadDelivery(deps, req.params.id!);
    req.page();
    return json(200, { items: [], nextCursor: null });
  },
});
