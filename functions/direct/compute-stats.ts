/**
 * Compute stats for operators, invoked directly (no trigger, no HTTP route: `aws lambda invoke`, or
 * `npm run compute-stats`): `{"deliveryId": "…"}` answers that delivery's KPIs and the counter repairs it made;
 * `{"deliveryIds": […]}` or `{"state": "finished", "since": "<ISO time>"}` recount several (bulk repair). A recount
 * too large for one run stops 10 s before the timeout, keeps its checkpoint and answers `complete: false`: invoke
 * again and it continues (shared/use-cases/stats.ts). `maxSeconds` stops it sooner, so a caller (the CLI) shows the
 * recount's progress between invocations.
 */
import { z } from 'zod';
import { DELIVERY_STATES } from '#domain/delivery.ts';
import { computeStatsFor } from '#use-cases/stats.ts';
import { computeStatsAdapters } from '#functions/lib/adapters.ts';
import { directHandler } from '#functions/lib/direct.ts';

const deps = computeStatsAdapters();

/** Left to the function after a run stops: writing the checkpoint and answering. */
const RESERVE_MS = 10_000;

const id = z.string().min(1).max(256);
export const computeStatsEvent = z.union([
  // maxSeconds: stop (checkpointed) after that long, so a caller shows progress between invocations.
  z.object({ deliveryId: id, maxSeconds: z.number().int().min(1).max(900).optional() }).strict(),
  z.object({ deliveryIds: z.array(id).min(1).max(1000) }).strict(),
  z.object({ state: z.enum(DELIVERY_STATES), since: z.iso.datetime({ offset: true }) }).strict(),
]);

export const handler = directHandler(async (event, context) => {
  const parsed = computeStatsEvent.safeParse(event);
  if (!parsed.success) {
    throw new TypeError(
      'compute-stats expects {"deliveryId": "…"}, {"deliveryIds": ["…"]} or {"state": "finished", "since": "<ISO time>"}',
    );
  }
  const stopAt =
    'maxSeconds' in parsed.data && parsed.data.maxSeconds
      ? Date.now() + parsed.data.maxSeconds * 1000
      : Infinity;
  return computeStatsFor(deps, parsed.data, {
    outOfTime: () => context.getRemainingTimeInMillis() < RESERVE_MS || Date.now() >= stopAt,
  });
});
