/**
 * In-memory fakes of the ports, for domain and use-case unit tests only, one file per port group. Adapters are
 * tested against the emulators (test/integration), and test/integration/contract/ runs the same cases against
 * each fake and its adapter.
 */
import { counterSettleSeconds } from '#topology/topology.ts';
import type { PrepareJob, SendJob, StartJob } from '#ports/index.ts';
import { FakeAudiences } from './audiences.ts';
import { FakePreparationCheckpoints, FakeStartCheckpoints } from './checkpoints.ts';
import { FakeClock, SequentialIds } from './clock.ts';
import { FakeCounters } from './counters.ts';
import { FakeDeliveries } from './deliveries.ts';
import { FakeGuardCounters, FakeProofLog, FakeSigningKey } from './deliverability.ts';
import { FakeEventStore, FakeTrackingLog } from './events.ts';
import { FakeActivityRegistry, FakeRecountCheckpoints } from './kpis.ts';
import { FakeLedger } from './ledger.ts';
import { FakeRecipientLog } from './logs.ts';
import { FakeProfiles } from './profiles.ts';
import { FakeQuarantine } from './quarantine.ts';
import { RecordingQueue } from './queues.ts';
import { RecordingScheduler } from './scheduler.ts';
import { FakeAccount, ScriptedEmailSender } from './ses.ts';
import { FakeStats } from './stats.ts';
import { RecordingPreparer, RecordingSendStarter } from './starters.ts';
import { FakeSweepRegistry } from './sweep.ts';

export * from './audiences.ts';
export * from './checkpoints.ts';
export * from './clock.ts';
export * from './counters.ts';
export * from './deliveries.ts';
export * from './deliverability.ts';
export * from './events.ts';
export * from './kpis.ts';
export * from './ledger.ts';
export * from './logs.ts';
export * from './profiles.ts';
export * from './quarantine.ts';
export * from './queues.ts';
export * from './scheduler.ts';
export * from './ses.ts';
export * from './stats.ts';
export * from './starters.ts';
export * from './sweep.ts';

/** Every fake wired together, as the handlers wire the adapters. */
export const fakeDeps = () => {
  const clock = new FakeClock();
  const recipientLog = new FakeRecipientLog();
  return {
    clock,
    // As deployed: a repair of the counters trusts a log whose last write is older than this.
    counterSettleMs: counterSettleSeconds * 1000,
    ids: new SequentialIds(),
    deliveries: new FakeDeliveries(),
    stats: new FakeStats(),
    counters: new FakeCounters(),
    profiles: new FakeProfiles(),
    audiences: new FakeAudiences(),
    quarantine: new FakeQuarantine(),
    recipientLog,
    ledger: new FakeLedger(recipientLog),
    checkpoints: new FakePreparationCheckpoints(),
    startCheckpoints: new FakeStartCheckpoints(),
    queue: new RecordingQueue<PrepareJob>(),
    sendQueue: new RecordingQueue<SendJob>(),
    startQueue: new RecordingQueue<StartJob>(),
    email: new ScriptedEmailSender(),
    account: new FakeAccount(),
    scheduler: new RecordingScheduler(),
    sendStarter: new RecordingSendStarter(),
    preparer: new RecordingPreparer(),
    events: new FakeEventStore(),
    tracking: new FakeTrackingLog(),
    registry: new FakeSweepRegistry(),
    recountCheckpoints: new FakeRecountCheckpoints(),
    activity: new FakeActivityRegistry(),
    proofs: new FakeProofLog(),
    guardCounters: new FakeGuardCounters(),
    key: new FakeSigningKey(),
  };
};
export type FakeDeps = ReturnType<typeof fakeDeps>;
