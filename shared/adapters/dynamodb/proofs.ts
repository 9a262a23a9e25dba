/**
 * ProofLog on the `deliveries` table (docs/data-model.md, "Deliverability items"): one item per proof,
 * `PROOF#<deliveryId>` / `P#<proofId>` (proof ids are time-ordered, so a Query backwards lists the newest first),
 * holding its addresses as a list. Its own partition, apart from `D#<deliveryId>`, so reading a delivery never
 * reads its proofs; no index key, so proofs are in no delivery index. Keys are built here, not in keys.ts: these
 * items are this adapter's alone.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest, Proof, ProofLog, ProofRecipientChange, ProofStatus } from '#ports/index.ts';
import { isConditionalCheckFailed } from './client.ts';
import { asKey, decodeCursor, encodeCursor, pageLimit, queryPage } from './paging.ts';

export const proofPk = (deliveryId: string): string => `PROOF#${deliveryId}`;
export const proofKey = (deliveryId: string, proofId: string) => ({
  pk: proofPk(deliveryId),
  sk: `P#${proofId}`,
});

export interface ProofTableOptions {
  client: DynamoDBDocumentClient;
  /** The `deliveries` table. */
  tableName: string;
}

const FIELDS = ['deliveryId', 'proofId', 'version', 'subject', 'sentAt', 'sentBy', 'recipients'] as const;

const toProof = (item: Record<string, unknown>): Proof =>
  Object.fromEntries(FIELDS.map((name) => [name, item[name]])) as unknown as Proof;

export class DynamoProofLog implements ProofLog {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: ProofTableOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async put(proof: Proof): Promise<void> {
    await this.#client.send(
      new PutCommand({
        TableName: this.#table,
        Item: { ...proofKey(proof.deliveryId, proof.proofId), entity: 'proof', ...proof },
      }),
    );
  }

  async get(deliveryId: string, proofId: string): Promise<Proof | null> {
    const out = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: proofKey(deliveryId, proofId), ConsistentRead: true }),
    );
    return out.Item ? toProof(out.Item) : null;
  }

  /** Newest first: `Query pk = PROOF#<deliveryId>` backwards. */
  async list(deliveryId: string, page: PageRequest): Promise<Page<Proof>> {
    const keyNames = ['pk', 'sk'];
    const fixed = { pk: proofPk(deliveryId) };
    const startKey = page.cursor ? asKey(decodeCursor(page.cursor), keyNames, fixed) : undefined;
    const { items, nextKey } = await queryPage(
      this.#client,
      {
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': fixed.pk },
        ScanIndexForward: false,
      },
      keyNames,
      pageLimit(page.limit),
      startKey,
    );
    return { items: items.map(toProof), nextCursor: nextKey ? encodeCursor(nextKey) : null };
  }

  /** One UpdateItem on `recipients[index]`, conditional on its status as read. */
  async updateRecipient(
    deliveryId: string,
    proofId: string,
    index: number,
    expected: ProofStatus,
    change: ProofRecipientChange,
  ): Promise<boolean> {
    if (!Number.isInteger(index) || index < 0) return false;
    const r = `recipients[${index}]`;
    const set = [`${r}.updatedAt = :updatedAt`];
    const values: Record<string, unknown> = { ':updatedAt': change.updatedAt, ':expected': expected };
    if (change.status) {
      set.push(`${r}.#status = :status`);
      values[':status'] = change.status;
    }
    if (change.sesMessageId) {
      set.push(`${r}.sesMessageId = :sesMessageId`);
      values[':sesMessageId'] = change.sesMessageId;
    }
    if (change.reason) {
      set.push(`${r}.reason = :reason`);
      values[':reason'] = change.reason;
    }
    for (const counter of ['opens', 'clicks'] as const) {
      if (change[counter]) {
        set.push(`${r}.${counter} = ${r}.${counter} + :${counter}`);
        values[`:${counter}`] = change[counter];
      }
    }
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: proofKey(deliveryId, proofId),
          UpdateExpression: `SET ${set.join(', ')}`,
          ConditionExpression: `attribute_exists(pk) AND ${r}.#status = :expected`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
