/**
 * Checkpoints on the `deliveries` table, beside the delivery (`D#<id>`):
 * - `JOB#start#<nn>`: where the starter is in one log shard for one run (`version`, `run`, `after`, `done`);
 *   a position stored by another run or for another prepared version reads as the start of the shard;
 * - `JOB#prepare`: where a preparation is (`version` and the PreparationState); another version reads as none.
 * Puts overwrite: each run or preparation owns its checkpoint, and a stale one is recognised on read.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LogRef, PreparationCheckpoints, PreparationState, StartCheckpoints } from '#ports/index.ts';
import { prepareJobKey, startJobKey } from './keys.ts';

export interface CheckpointTableOptions {
  client: DynamoDBDocumentClient;
  /** The `deliveries` table. */
  tableName: string;
}

export class DynamoStartCheckpoints implements StartCheckpoints {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: CheckpointTableOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async get(ref: LogRef, run: string, shard: number): Promise<{ after: string | null; done: boolean }> {
    const out = await this.#client.send(
      new GetCommand({
        TableName: this.#table,
        Key: startJobKey(ref.deliveryId, shard),
        ConsistentRead: true,
      }),
    );
    const item = out.Item;
    if (!item || item.version !== ref.version || item.run !== run) return { after: null, done: false };
    return { after: typeof item.after === 'string' ? item.after : null, done: item.done === true };
  }

  async put(
    ref: LogRef,
    run: string,
    shard: number,
    position: { after: string | null; done: boolean },
  ): Promise<void> {
    await this.#client.send(
      new PutCommand({
        TableName: this.#table,
        Item: {
          ...startJobKey(ref.deliveryId, shard),
          entity: 'checkpoint',
          version: ref.version,
          run,
          after: position.after,
          done: position.done,
        },
      }),
    );
  }
}

export class DynamoPreparationCheckpoints implements PreparationCheckpoints {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: CheckpointTableOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async get(ref: LogRef): Promise<PreparationState | null> {
    const out = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: prepareJobKey(ref.deliveryId), ConsistentRead: true }),
    );
    const item = out.Item;
    if (!item || item.version !== ref.version) return null;
    return {
      memberShard: item.memberShard as number,
      cursor: typeof item.cursor === 'string' ? item.cursor : null,
      targeted: item.targeted as number,
      toDeliver: item.toDeliver as number,
      exclusions: (item.exclusions ?? {}) as PreparationState['exclusions'],
    };
  }

  async put(ref: LogRef, state: PreparationState): Promise<void> {
    await this.#client.send(
      new PutCommand({
        TableName: this.#table,
        Item: {
          ...prepareJobKey(ref.deliveryId),
          entity: 'checkpoint',
          version: ref.version,
          memberShard: state.memberShard,
          cursor: state.cursor,
          targeted: state.targeted,
          toDeliver: state.toDeliver,
          exclusions: state.exclusions,
        },
      }),
    );
  }
}
