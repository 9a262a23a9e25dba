/**
 * The ingesters' lag (shared/ports/sweep.ts `IngestLag`) on the `events` table (docs/data-model.md): one item
 * `LAG / <minute>` per minute an event was ingested in, holding the longest any event of that minute had waited in
 * the events queue (`worstWaitMs`, raised only by a conditional write), kept two days (TTL `expiresAt`).
 *
 * A container writes a minute's worst only when it rises by at least a second and at least a quarter over what it last wrote or saw
 * there (a refused write means someone wrote more): a few writes a minute per container, not one per batch, at the
 * price of a worst known within that margin.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type LagMinute, minuteOf } from '#domain/in-doubt.ts';
import type { IngestLag } from '#ports/index.ts';
import { isConditionalCheckFailed } from './client.ts';
import { queryAll } from './pages.ts';

const LAG_TTL_SECONDS = 2 * 86_400;

/** A note that raises a minute's worst by less than this is skipped. */
export const worthWriting = (waitedMs: number, known: number | undefined): boolean =>
  known === undefined || waitedMs >= known + Math.max(1_000, known / 4);

export class DynamoIngestLag implements IngestLag {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #pk: string;
  /** The worst this container wrote or saw, of the minute it last noted. */
  #known: { minute: string; worst: number } = { minute: '', worst: 0 };

  /** `tableName`: the `events` table; `pk` (tests): another partition than the ingesters'. */
  constructor(options: { client: DynamoDBDocumentClient; tableName: string; pk?: string }) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#pk = options.pk ?? 'LAG';
  }

  async note(waitedMs: number, at: Date): Promise<void> {
    const minute = minuteOf(at);
    const known = this.#known.minute === minute ? this.#known.worst : undefined;
    const waited = Math.max(0, Math.round(waitedMs));
    if (!worthWriting(waited, known)) return;
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: this.#pk, sk: minute },
          UpdateExpression: 'SET worstWaitMs = :w, entity = :entity, expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(worstWaitMs) OR worstWaitMs < :w',
          ExpressionAttributeValues: {
            ':w': waited,
            ':entity': 'lag',
            ':exp': Math.floor(at.getTime() / 1000) + LAG_TTL_SECONDS,
          },
        }),
      );
    } catch (error) {
      // Someone noted a longer wait for this minute: it stands.
      if (!isConditionalCheckFailed(error)) throw error;
    }
    this.#known = { minute, worst: Math.max(waited, known ?? 0) };
  }

  async since(from: Date): Promise<LagMinute[]> {
    const items = await queryAll(this.#client, {
      TableName: this.#table,
      KeyConditionExpression: 'pk = :pk AND sk >= :from',
      ExpressionAttributeValues: { ':pk': this.#pk, ':from': minuteOf(from) },
      ProjectionExpression: 'sk, worstWaitMs',
    });
    return items.map((item) => ({ minute: String(item.sk), worstWaitMs: Number(item.worstWaitMs) }));
  }
}
