/**
 * Ports: what the use cases need from the outside world, one file per port or cohesive group, all re-exported
 * here (import `#ports/index.ts`). Adapters in shared/adapters implement them against AWS; test/helpers/fakes/
 * implements them in memory for unit tests, and test/integration/contract/ holds each fake to its adapter.
 */
export * from './audiences.ts';
export * from './checkpoints.ts';
export * from './clock.ts';
export * from './counters.ts';
export * from './deliveries.ts';
export * from './events.ts';
export * from './jobs.ts';
export * from './kpis.ts';
export * from './ledger.ts';
export * from './logs.ts';
export * from './metrics.ts';
export * from './paging.ts';
export * from './preparation.ts';
export * from './profiles.ts';
export * from './proofs.ts';
export * from './quarantine.ts';
export * from './queues.ts';
export * from './reputation-guard.ts';
export * from './scheduler.ts';
export * from './ses.ts';
export * from './stats.ts';
export * from './sweep.ts';
export * from './unsubscribe.ts';
