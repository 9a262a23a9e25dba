/**
 * Wiring: builds the adapters each route group needs from the configuration (read once, failing fast). The
 * handlers stay identical in AWS and in the local runtime; only the AWS_ENDPOINT_URL_* variables differ.
 */
import type { TableName } from '../../infra/topology.ts';
import { DynamoAudienceRepository } from '../../shared/adapters/dynamodb/audiences.ts';
import { DynamoDeliveryRepository } from '../../shared/adapters/dynamodb/deliveries.ts';
import { DynamoProfileRepository } from '../../shared/adapters/dynamodb/profiles.ts';
import { DynamoQuarantineRepository } from '../../shared/adapters/dynamodb/quarantine.ts';
import { DynamoRecipientLogRepository } from '../../shared/adapters/dynamodb/recipient-log.ts';
import { DynamoStatsRepository } from '../../shared/adapters/dynamodb/stats.ts';
import type { DeliveryScheduler, PreparationStarter } from '../../shared/ports/index.ts';
import type { SendStarter } from '../../shared/use-cases/control.ts';
import { type PreparationDeps, runPreparation } from '../../shared/use-cases/preparation.ts';
import { documentClient } from './clients.ts';
import { tableNamesFromEnv } from './config.ts';
import { logger } from './http.ts';
import { systemClock, uuids } from './ids.ts';

const tables = <T extends TableName>(names: readonly T[]) => {
  const tableNames = tableNamesFromEnv(names);
  return { tableNames, client: documentClient() };
};

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

/**
 * Preparation runs inside the prepare request for now (the send-pipeline work moves it to a queue so audiences of
 * any size prepare in the background); the API still answers 202 with the delivery in `preparing`.
 */
const inlinePreparer = (deps: PreparationDeps): PreparationStarter => ({
  start: async (ref) => {
    await runPreparation(deps, ref);
  },
});

/** The send pipeline (SQS fan-out to SES senders) is not wired yet: a confirmed delivery stays in `sending`. */
const pendingSendStarter: SendStarter = {
  start: async (delivery) => {
    logger.info('Send pipeline not wired yet: delivery stays in sending', { deliveryId: delivery.id });
  },
};

/** Scheduler wiring arrives with the send pipeline; until then a scheduled delivery waits in `scheduled`. */
const pendingScheduler: DeliveryScheduler = {
  arm: async (delivery) => {
    logger.info('Scheduler not wired yet: delivery stays scheduled', { deliveryId: delivery.id });
  },
  disarm: async () => {},
};

export const deliveryAdapters = () => {
  const { tableNames, client } = tables(['deliveries', 'profiles', 'recipients', 'idempotency']);
  const deliveries = new DynamoDeliveryRepository({ client, tableName: tableNames.deliveries });
  const base = {
    clock: systemClock,
    deliveries,
    audiences: new DynamoAudienceRepository({ client, tableName: tableNames.profiles }),
    profiles: new DynamoProfileRepository({ client, tableName: tableNames.profiles }),
    quarantine: new DynamoQuarantineRepository({ client, tableName: tableNames.profiles }),
    recipientLog: new DynamoRecipientLogRepository({ client, tableName: tableNames.recipients }),
  };
  return {
    ...base,
    tableNames,
    ids: uuids,
    stats: new DynamoStatsRepository({ client, tableName: tableNames.deliveries }),
    scheduler: pendingScheduler,
    preparer: inlinePreparer(base),
  };
};

export const controlAdapters = () => {
  const { tableNames, client } = tables(['deliveries']);
  return {
    clock: systemClock,
    deliveries: new DynamoDeliveryRepository({ client, tableName: tableNames.deliveries }),
    stats: new DynamoStatsRepository({ client, tableName: tableNames.deliveries }),
    scheduler: pendingScheduler,
    sendStarter: pendingSendStarter,
  };
};

export const logAdapters = () => {
  const { tableNames, client } = tables(['deliveries', 'recipients']);
  return {
    deliveries: new DynamoDeliveryRepository({ client, tableName: tableNames.deliveries }),
    recipientLog: new DynamoRecipientLogRepository({ client, tableName: tableNames.recipients }),
  };
};
