/**
 * Wiring: builds the adapters each function needs from its configuration (read once, failing fast). The
 * handlers stay identical in AWS and in the local runtime; only the AWS_ENDPOINT_URL_* variables differ.
 */
import type { QueueName, TableName } from '#topology/topology.ts';
import { DynamoAudienceRepository } from '#adapters/dynamodb/audiences.ts';
import { DynamoPreparationCheckpoints, DynamoStartCheckpoints } from '#adapters/dynamodb/checkpoints.ts';
import { DynamoCounters } from '#adapters/dynamodb/counters.ts';
import { DynamoDeliveryRepository } from '#adapters/dynamodb/deliveries.ts';
import { DynamoSesEventStore, DynamoTrackingLog } from '#adapters/dynamodb/events.ts';
import { DynamoActivityRegistry, DynamoRecountCheckpoints } from '#adapters/dynamodb/kpis.ts';
import { DynamoIngestLag } from '#adapters/dynamodb/ingest-lag.ts';
import { DynamoRecipientLedger } from '#adapters/dynamodb/ledger.ts';
import { DynamoProfileRepository } from '#adapters/dynamodb/profiles.ts';
import { DynamoProofLog } from '#adapters/dynamodb/proofs.ts';
import { DynamoGuardCounters } from '#adapters/dynamodb/reputation-guard.ts';
import { SecretSigningKey } from '#adapters/secrets/signing-key.ts';
import { DynamoQuarantineRepository } from '#adapters/dynamodb/quarantine.ts';
import { DynamoRecipientLogRepository } from '#adapters/dynamodb/recipient-log.ts';
import { DynamoStatsRepository } from '#adapters/dynamodb/stats.ts';
import { DynamoSweepRegistry } from '#adapters/dynamodb/sweep.ts';
import { EventBridgeDeliveryScheduler } from '#adapters/scheduler/delivery-scheduler.ts';
import { SesSendingAccount } from '#adapters/ses/account.ts';
import { SesEmailSender } from '#adapters/ses/email-sender.ts';
import { SqsDeadLetters } from '#adapters/sqs/dead-letter.ts';
import { SqsJobQueue } from '#adapters/sqs/job-queue.ts';
import { SqsJobSource } from '#adapters/sqs/job-source.ts';
import type { PrepareJob, SendJob, StartJob } from '#ports/index.ts';
import { queueSendStarter } from '#use-cases/control.ts';
import { queuePreparer } from '#use-cases/preparation.ts';
import { documentClient, scheduler, secretsManager, sesAccountClient, sesv2, sqs } from './clients.ts';
import {
  counterSettleMsFromEnv,
  deadLetterUrlsFromEnv,
  guardThresholdsFromEnv,
  inDoubtWindowFromEnv,
  unsubscribeLinksFromEnv,
  queueUrlsFromEnv,
  settingsFromEnv,
  tableNamesFromEnv,
} from './config.ts';
import { systemClock, uuids } from './ids.ts';
import { metrics } from './observability.ts';

/** The signing key of the unsubscribe links, from its secret (cached a few minutes). */
const signingKey = (secretId: string) => new SecretSigningKey({ client: secretsManager(), secretId });

/** The unsubscribe headers' configuration of a function that signs links (the sender, proofs). */
const unsubscribeLinks = () => {
  const { secretId, baseUrl, mailto } = unsubscribeLinksFromEnv();
  return { key: signingKey(secretId), baseUrl, mailto };
};

const tables = <T extends TableName>(names: readonly T[]) => ({
  tableNames: tableNamesFromEnv(names),
  client: documentClient(),
});

const queue = <T>(name: QueueName) =>
  new SqsJobQueue<T>({ client: sqs(), queueUrl: queueUrlsFromEnv([name])[name] });

const deliveryScheduler = () => {
  const s = settingsFromEnv([
    'SCHEDULE_GROUP',
    'SCHEDULER_ROLE_ARN',
    'SCHEDULE_TARGET_ARN',
    'SCHEDULE_DLQ_ARN',
  ]);
  return new EventBridgeDeliveryScheduler({
    client: scheduler(),
    groupName: s.SCHEDULE_GROUP,
    roleArn: s.SCHEDULER_ROLE_ARN,
    targetArn: s.SCHEDULE_TARGET_ARN,
    deadLetterArn: s.SCHEDULE_DLQ_ARN,
  });
};

/** What reading a delivery's Deployment block needs: the delivery, its snapshots and its counters. */
const viewAdapters = (client: ReturnType<typeof documentClient>, deliveriesTable: string) => ({
  clock: systemClock,
  deliveries: new DynamoDeliveryRepository({ client, tableName: deliveriesTable }),
  stats: new DynamoStatsRepository({ client, tableName: deliveriesTable }),
  counters: new DynamoCounters({ client, tableName: deliveriesTable }),
});

export const profileAdapters = () => {
  const { tableNames, client } = tables(['profiles', 'recipients', 'idempotency']);
  return {
    tableNames,
    clock: systemClock,
    ids: uuids,
    profiles: new DynamoProfileRepository({ client, tableName: tableNames.profiles }),
    recipientLog: new DynamoRecipientLogRepository({ client, tableName: tableNames.recipients }),
  };
};

export const audienceAdapters = () => {
  const { tableNames, client } = tables(['profiles', 'idempotency']);
  return {
    tableNames,
    clock: systemClock,
    ids: uuids,
    profiles: new DynamoProfileRepository({ client, tableName: tableNames.profiles }),
    audiences: new DynamoAudienceRepository({ client, tableName: tableNames.profiles }),
  };
};

export const deliveryAdapters = () => {
  const { tableNames, client } = tables(['deliveries', 'profiles', 'recipients', 'events', 'idempotency']);
  return {
    ...viewAdapters(client, tableNames.deliveries),
    preparationCheckpoints: new DynamoPreparationCheckpoints({ client, tableName: tableNames.deliveries }),
    tableNames,
    ids: uuids,
    audiences: new DynamoAudienceRepository({ client, tableName: tableNames.profiles }),
    profiles: new DynamoProfileRepository({ client, tableName: tableNames.profiles }),
    quarantine: new DynamoQuarantineRepository({ client, tableName: tableNames.profiles }),
    tracking: new DynamoTrackingLog({ client, tableName: tableNames.events }),
    recipientLog: new DynamoRecipientLogRepository({ client, tableName: tableNames.recipients }),
    ledger: new DynamoRecipientLedger({ client, tableName: tableNames.recipients }),
    scheduler: deliveryScheduler(),
    preparer: queuePreparer(queue<PrepareJob>('prepare')),
    metrics,
    // POST /deliveries/{id}/compute-stats repairs the counters.
    counterSettleMs: counterSettleMsFromEnv(),
  };
};

export const controlAdapters = () => {
  const { tableNames, client } = tables(['deliveries']);
  return {
    ...viewAdapters(client, tableNames.deliveries),
    scheduler: deliveryScheduler(),
    sendStarter: queueSendStarter(queue<StartJob>('start'), systemClock),
    account: new SesSendingAccount({ client: sesAccountClient() }),
  };
};

export const logAdapters = () => {
  const { tableNames, client } = tables(['deliveries', 'recipients', 'events']);
  return {
    deliveries: new DynamoDeliveryRepository({ client, tableName: tableNames.deliveries }),
    recipientLog: new DynamoRecipientLogRepository({ client, tableName: tableNames.recipients }),
    tracking: new DynamoTrackingLog({ client, tableName: tableNames.events }),
  };
};

export const preparerAdapters = () => {
  const { tableNames, client } = tables(['deliveries', 'profiles', 'recipients']);
  return {
    clock: systemClock,
    deliveries: new DynamoDeliveryRepository({ client, tableName: tableNames.deliveries }),
    audiences: new DynamoAudienceRepository({ client, tableName: tableNames.profiles }),
    profiles: new DynamoProfileRepository({ client, tableName: tableNames.profiles }),
    quarantine: new DynamoQuarantineRepository({ client, tableName: tableNames.profiles }),
    recipientLog: new DynamoRecipientLogRepository({ client, tableName: tableNames.recipients }),
    checkpoints: new DynamoPreparationCheckpoints({ client, tableName: tableNames.deliveries }),
    queue: queue<PrepareJob>('prepare'),
    sendStarter: queueSendStarter(queue<StartJob>('start'), systemClock),
  };
};

export const starterAdapters = () => {
  const { tableNames, client } = tables(['deliveries', 'recipients']);
  return {
    clock: systemClock,
    deliveries: new DynamoDeliveryRepository({ client, tableName: tableNames.deliveries }),
    ledger: new DynamoRecipientLedger({ client, tableName: tableNames.recipients }),
    checkpoints: new DynamoStartCheckpoints({ client, tableName: tableNames.deliveries }),
    counters: new DynamoCounters({ client, tableName: tableNames.deliveries }),
    sendQueue: queue<SendJob>('send'),
    startQueue: queue<StartJob>('start'),
    registry: new DynamoSweepRegistry({ client, tableName: tableNames.deliveries }),
  };
};

export const senderAdapters = () => {
  const { tableNames, client } = tables(['deliveries', 'profiles', 'recipients']);
  const { SES_CONFIGURATION_SET } = settingsFromEnv(['SES_CONFIGURATION_SET']);
  return {
    clock: systemClock,
    deliveries: new DynamoDeliveryRepository({ client, tableName: tableNames.deliveries }),
    profiles: new DynamoProfileRepository({ client, tableName: tableNames.profiles }),
    ledger: new DynamoRecipientLedger({ client, tableName: tableNames.recipients }),
    counters: new DynamoCounters({ client, tableName: tableNames.deliveries }),
    email: new SesEmailSender({ client: sesv2(), configurationSetName: SES_CONFIGURATION_SET }),
    account: new SesSendingAccount({ client: sesAccountClient() }),
    unsubscribe: unsubscribeLinks(),
    metrics,
    // The sender's own trigger queue: it takes more send jobs from it while an invocation has time.
    sendJobSource: new SqsJobSource({ client: sqs(), queueUrl: queueUrlsFromEnv(['send']).send }),
  };
};

export const proofAdapters = () => {
  const { tableNames, client } = tables(['deliveries', 'idempotency']);
  const { SES_CONFIGURATION_SET } = settingsFromEnv(['SES_CONFIGURATION_SET']);
  return {
    tableNames,
    clock: systemClock,
    ids: uuids,
    deliveries: new DynamoDeliveryRepository({ client, tableName: tableNames.deliveries }),
    proofs: new DynamoProofLog({ client, tableName: tableNames.deliveries }),
    email: new SesEmailSender({ client: sesv2(), configurationSetName: SES_CONFIGURATION_SET }),
    unsubscribe: unsubscribeLinks(),
    metrics,
  };
};

export const unsubscribeAdapters = () => {
  const { tableNames, client } = tables(['profiles', 'recipients', 'events']);
  const { UNSUBSCRIBE_KEY_SECRET } = settingsFromEnv(['UNSUBSCRIBE_KEY_SECRET']);
  return {
    clock: systemClock,
    key: signingKey(UNSUBSCRIBE_KEY_SECRET),
    ledger: new DynamoRecipientLedger({ client, tableName: tableNames.recipients }),
    profiles: new DynamoProfileRepository({ client, tableName: tableNames.profiles }),
    tracking: new DynamoTrackingLog({ client, tableName: tableNames.events }),
    metrics,
  };
};

export const scheduledStartAdapters = () => {
  const { tableNames, client } = tables(['deliveries']);
  return {
    clock: systemClock,
    deliveries: new DynamoDeliveryRepository({ client, tableName: tableNames.deliveries }),
    preparer: queuePreparer(queue<PrepareJob>('prepare')),
    sendStarter: queueSendStarter(queue<StartJob>('start'), systemClock),
  };
};

export const ingesterAdapters = () => {
  const { tableNames, client } = tables(['deliveries', 'profiles', 'recipients', 'events']);
  return {
    clock: systemClock,
    events: new DynamoSesEventStore({ client, tableName: tableNames.events }),
    tracking: new DynamoTrackingLog({ client, tableName: tableNames.events }),
    ledger: new DynamoRecipientLedger({ client, tableName: tableNames.recipients }),
    quarantine: new DynamoQuarantineRepository({ client, tableName: tableNames.profiles }),
    profiles: new DynamoProfileRepository({ client, tableName: tableNames.profiles }),
    counters: new DynamoCounters({ client, tableName: tableNames.deliveries }),
    proofs: new DynamoProofLog({ client, tableName: tableNames.deliveries }),
    deliveries: new DynamoDeliveryRepository({ client, tableName: tableNames.deliveries }),
    guardCounters: new DynamoGuardCounters({ client, tableName: tableNames.deliveries }),
    activity: new DynamoActivityRegistry({ client, tableName: tableNames.events }),
    lag: new DynamoIngestLag({ client, tableName: tableNames.events }),
    thresholds: guardThresholdsFromEnv(),
    refused: new SqsDeadLetters({
      client: sqs(),
      queueUrl: deadLetterUrlsFromEnv(['events']).events,
      refusedBy: 'ingester',
    }),
    metrics,
  };
};

export const sweeperAdapters = () => {
  const { tableNames, client } = tables(['deliveries', 'recipients', 'events']);
  const { SES_CONFIGURATION_SET } = settingsFromEnv(['SES_CONFIGURATION_SET']);
  return {
    clock: systemClock,
    inDoubtWindowMs: inDoubtWindowFromEnv(),
    counterSettleMs: counterSettleMsFromEnv(),
    // A resend waits out the ingesters' lag and one redelivery of the events queue (shared/domain/in-doubt.ts).
    ingestLag: {
      lag: new DynamoIngestLag({ client, tableName: tableNames.events }),
      redeliveryMs:
        settingsFromEnv(['EVENTS_VISIBILITY_TIMEOUT_SECONDS']).EVENTS_VISIBILITY_TIMEOUT_SECONDS * 1000,
    },
    registry: new DynamoSweepRegistry({ client, tableName: tableNames.deliveries }),
    deliveries: new DynamoDeliveryRepository({ client, tableName: tableNames.deliveries }),
    ledger: new DynamoRecipientLedger({ client, tableName: tableNames.recipients }),
    counters: new DynamoCounters({ client, tableName: tableNames.deliveries }),
    stats: new DynamoStatsRepository({ client, tableName: tableNames.deliveries }),
    recipientLog: new DynamoRecipientLogRepository({ client, tableName: tableNames.recipients }),
    tracking: new DynamoTrackingLog({ client, tableName: tableNames.events }),
    startQueue: queue<StartJob>('start'),
    metrics,
    // The once-only resend of an in-doubt recipient (the handler adds the pacer and the run's owner).
    email: new SesEmailSender({ client: sesv2(), configurationSetName: SES_CONFIGURATION_SET }),
    account: new SesSendingAccount({ client: sesAccountClient() }),
    unsubscribe: unsubscribeLinks(),
  };
};

/** The hourly stats aggregation: the activity registry, the deliveries, their counters, snapshots and tracking log. */
export const statsAggregationAdapters = () => {
  const { tableNames, client } = tables(['deliveries', 'events']);
  return {
    clock: systemClock,
    activity: new DynamoActivityRegistry({ client, tableName: tableNames.events }),
    deliveries: new DynamoDeliveryRepository({ client, tableName: tableNames.deliveries }),
    counters: new DynamoCounters({ client, tableName: tableNames.deliveries }),
    stats: new DynamoStatsRepository({ client, tableName: tableNames.deliveries }),
    tracking: new DynamoTrackingLog({ client, tableName: tableNames.events }),
  };
};

/** Compute stats for operators: a recount of the sending log (with its checkpoint), the counters and snapshots. */
export const computeStatsAdapters = () => {
  const { tableNames, client } = tables(['deliveries', 'recipients', 'events']);
  return {
    clock: systemClock,
    deliveries: new DynamoDeliveryRepository({ client, tableName: tableNames.deliveries }),
    stats: new DynamoStatsRepository({ client, tableName: tableNames.deliveries }),
    counters: new DynamoCounters({ client, tableName: tableNames.deliveries }),
    ledger: new DynamoRecipientLedger({ client, tableName: tableNames.recipients }),
    tracking: new DynamoTrackingLog({ client, tableName: tableNames.events }),
    recountCheckpoints: new DynamoRecountCheckpoints({ client, tableName: tableNames.deliveries }),
    metrics,
    counterSettleMs: counterSettleMsFromEnv(),
  };
};
