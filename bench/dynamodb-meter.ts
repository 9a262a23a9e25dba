/**
 * A meter of DynamoDB capacity: an SDK middleware that asks every request for `ReturnConsumedCapacity: INDEXES`
 * and records what DynamoDB answers (table and each index), per operation and per partition key written. The
 * integration tests hold the ledger's write units per step to docs/data-model.md with it, and the bench prices
 * a run with it.
 *
 * A conditional write whose condition fails is billed by AWS ("If a ConditionExpression evaluates to false,
 * DynamoDB still consumes write capacity from the table": the size of the existing item, at least 1 unit; no
 * index is written), but DynamoDB Local answers such a request with no consumed capacity at all. The meter
 * counts it as AWS bills it: the size of the item the error carries (ReturnValuesOnConditionCheckFailure) or,
 * when it carries none, of the stored item read back with `sizeOf` (a GetItem outside the meter), else 1.
 */
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';

/** One request's consumption on one table or index. */
export interface CapacityRecord {
  /** When the answer came (epoch ms). */
  at: number;
  operation: string;
  table: string;
  /** The index, or undefined for the table itself. */
  index?: string;
  kind: 'read' | 'write';
  units: number;
  /** A conditional write refused by its condition (units as AWS bills it). */
  failedCondition?: true;
  /** What the request did, as the meter's `label` option names it. */
  label?: string;
}

/** Units written to one partition key of a table (base table only), for the hot-key figure. */
export interface KeyWrite {
  at: number;
  table: string;
  pk: string;
  units: number;
}

type Json = Record<string, unknown>;

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const CAPACITY_OPERATIONS = new Set([
  ...WRITES,
  'GetItem',
  'BatchGetItem',
  'Query',
  'Scan',
  'TransactGetItems',
]);

/** An attribute value as DynamoDB stores it: marshalled ({S: ...}) or native (the DocumentClient's input). */
const valueSize = (value: unknown): number => {
  if (value === null || value === undefined) return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number' || typeof value === 'bigint') return numberSize(String(value));
  if (typeof value === 'boolean') return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((n: number, v) => n + valueSize(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + valueSize(v), 0);
  const object = value as Json;
  const keys = Object.keys(object);
  if (keys.length === 1) {
    const [type] = keys as [string];
    const inner = object[type];
    switch (type) {
      case 'S':
        return Buffer.byteLength(String(inner), 'utf8');
      case 'N':
        return numberSize(String(inner));
      case 'B':
        return (inner as Uint8Array).byteLength ?? 0;
      case 'BOOL':
      case 'NULL':
        return 1;
      case 'SS':
      case 'NS':
      case 'BS':
        return (inner as unknown[]).reduce((n: number, v) => n + valueSize(v), 0);
      case 'L':
        return 3 + (inner as unknown[]).reduce((n: number, v) => n + 1 + valueSize(v), 0);
      case 'M':
        return 3 + mapSize(inner as Json);
      default:
    }
  }
  return 3 + mapSize(object);
};

/** About one byte per two significant digits, plus one. */
const numberSize = (text: string): number => {
  const digits = text
    .replace(/[^0-9]/g, '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
};

const mapSize = (map: Json): number =>
  Object.entries(map).reduce(
    (n, [name, v]) => n + (v === undefined ? 0 : 1 + Buffer.byteLength(name, 'utf8') + valueSize(v)),
    0,
  );

/** An item's size as DynamoDB bills it (attribute names plus values), in bytes. */
export const itemSizeBytes = (item: Json): number =>
  Object.entries(item).reduce(
    (n, [name, v]) => n + (v === undefined ? 0 : Buffer.byteLength(name, 'utf8') + valueSize(v)),
    0,
  );

/** Write units of one item: one per started KB. */
export const writeUnitsOf = (item: Json): number => Math.max(1, Math.ceil(itemSizeBytes(item) / 1024));

const stringOf = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Json).S === 'string')
    return (value as Json).S as string;
  return undefined;
};

/** The `pk` of a key or item (every table of the topology but idempotency keys on `pk`; it keys on `id`). */
const partitionOf = (key: Json | undefined): string | undefined =>
  key ? (stringOf(key.pk) ?? stringOf(key.id)) : undefined;

interface ConsumedCapacity {
  TableName?: string;
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
  LocalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

export interface MeterOptions {
  /**
   * Size of the stored item a failed conditional write met, when the error does not carry it: read it back
   * (outside the meter). Without it a failed write counts 1 unit.
   */
  sizeOf?: (table: string, key: Json) => Promise<number | null>;
  /** Only the tables whose physical name passes are recorded (default all). */
  tables?: (table: string) => boolean;
  /** Names what a request did (its step), from its operation and input; kept on each of its records. */
  label?: (operation: string, input: Json) => string;
}

export class DynamoDbMeter {
  readonly records: CapacityRecord[] = [];
  readonly keyWrites: KeyWrite[] = [];
  /** Requests per operation (every request, capacity or not). */
  readonly requests: Record<string, number> = {};
  readonly #options: MeterOptions;
  #paused = 0;

  constructor(options: MeterOptions = {}) {
    this.#options = options;
  }

  /** Starts metering a client (the low-level client: a DocumentClient sends through it). */
  attach(client: DynamoDBClient): this {
    (client.middlewareStack.add as unknown as (mw: unknown, options: unknown) => void)(
      (next: (args: { input: Json }) => Promise<{ output: Json }>, context: { commandName?: string }) =>
        async (args: { input: Json }) => {
          const operation = String(context.commandName ?? '?').replace(/Command$/, '');
          if (this.#paused > 0) return next(args);
          this.requests[operation] = (this.requests[operation] ?? 0) + 1;
          const input = CAPACITY_OPERATIONS.has(operation)
            ? { ...args.input, ReturnConsumedCapacity: 'INDEXES' }
            : args.input;
          try {
            const result = await next({ ...args, input });
            this.#record(operation, input, result.output);
            return result;
          } catch (error) {
            if ((error as Error).name === 'ConditionalCheckFailedException') {
              await this.#recordFailedCondition(operation, input, error as Json);
            }
            throw error;
          }
        },
      { step: 'initialize', name: 'dynamoDbMeter', override: true },
    );
    return this;
  }

  /** Runs `work` without recording (e.g. a test's own setup or inspection). */
  async unmetered<T>(work: () => Promise<T>): Promise<T> {
    this.#paused += 1;
    try {
      return await work();
    } finally {
      this.#paused -= 1;
    }
  }

  /** Forgets everything recorded so far. */
  reset(): void {
    this.records.length = 0;
    this.keyWrites.length = 0;
    for (const key of Object.keys(this.requests)) delete this.requests[key];
  }

  /** Units recorded since `from` (an index into `records`, e.g. `meter.records.length` before a step). */
  units(kind: 'read' | 'write', from = 0, filter: (r: CapacityRecord) => boolean = () => true): number {
    return this.records.slice(from).reduce((n, r) => (r.kind === kind && filter(r) ? n + r.units : n), 0);
  }

  /** Write units since `from`, by table or `table/index`. */
  writesByTarget(from = 0): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.records.slice(from)) {
      if (r.kind !== 'write') continue;
      const target = r.index ? `${r.table}/${r.index}` : r.table;
      out[target] = (out[target] ?? 0) + r.units;
    }
    return out;
  }

  #accepts(table: string | undefined): table is string {
    return table !== undefined && (this.#options.tables?.(table) ?? true);
  }

  #record(operation: string, input: Json, output: Json): void {
    const at = Date.now();
    const kind = WRITES.has(operation) ? 'write' : 'read';
    const label = this.#options.label?.(operation, input);
    const consumed = output.ConsumedCapacity as ConsumedCapacity | ConsumedCapacity[] | undefined;
    for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
      if (!this.#accepts(c.TableName)) continue;
      const table = c.TableName;
      const tableUnits = c.Table?.CapacityUnits ?? c.CapacityUnits ?? 0;
      if (tableUnits > 0) {
        this.records.push({ at, operation, table, kind, units: tableUnits, ...(label ? { label } : {}) });
      }
      for (const [index, value] of Object.entries({
        ...c.GlobalSecondaryIndexes,
        ...c.LocalSecondaryIndexes,
      })) {
        const units = value.CapacityUnits ?? 0;
        if (units > 0)
          this.records.push({ at, operation, table, index, kind, units, ...(label ? { label } : {}) });
      }
    }
    if (kind === 'write') this.#recordKeys(operation, input, at);
  }

  /** Base-table units per partition key: the table's share of each item written. */
  #recordKeys(operation: string, input: Json, at: number): void {
    const table = input.TableName as string | undefined;
    const single = (key: Json | undefined, units: number) => {
      const pk = partitionOf(key);
      if (pk && this.#accepts(table)) this.keyWrites.push({ at, table, pk, units });
    };
    if (operation === 'PutItem') single(input.Item as Json, writeUnitsOf(input.Item as Json));
    else if (operation === 'UpdateItem' || operation === 'DeleteItem') single(input.Key as Json, 1);
    else if (operation === 'BatchWriteItem') {
      for (const [name, requests] of Object.entries((input.RequestItems ?? {}) as Record<string, Json[]>)) {
        if (!this.#accepts(name)) continue;
        for (const request of requests) {
          const put = (request.PutRequest as Json | undefined)?.Item as Json | undefined;
          const del = (request.DeleteRequest as Json | undefined)?.Key as Json | undefined;
          const pk = partitionOf(put ?? del);
          if (pk) this.keyWrites.push({ at, table: name, pk, units: put ? writeUnitsOf(put) : 1 });
        }
      }
    }
  }

  async #recordFailedCondition(operation: string, input: Json, error: Json): Promise<void> {
    const table = input.TableName as string | undefined;
    if (!this.#accepts(table)) return;
    const key = (input.Key ?? input.Item) as Json | undefined;
    let size: number | null = error.Item ? itemSizeBytes(error.Item as Json) : null;
    if (size === null && key && this.#options.sizeOf) {
      const k = input.Key ? (input.Key as Json) : { pk: key.pk, sk: key.sk };
      size = await this.#options.sizeOf(table, k);
    }
    const units = Math.max(1, Math.ceil((size ?? 0) / 1024));
    const at = Date.now();
    const label = this.#options.label?.(operation, input);
    this.records.push({
      at,
      operation,
      table,
      kind: 'write',
      units,
      failedCondition: true,
      ...(label ? { label } : {}),
    });
    const pk = partitionOf(key);
    if (pk) this.keyWrites.push({ at, table, pk, units });
  }
}

/**
 * `sizeOf` for a meter: reads the stored item with its own low-level client (not metered), keys being strings.
 */
export const storedItemSize =
  (client: DynamoDBClient) =>
  async (table: string, key: Json): Promise<number | null> => {
    const Key = Object.fromEntries(
      Object.entries(key).flatMap(([name, v]) => {
        const s = stringOf(v);
        return s === undefined ? [] : [[name, { S: s }]];
      }),
    );
    const out = await client.send(new GetItemCommand({ TableName: table, Key, ConsistentRead: true }));
    return out.Item ? itemSizeBytes(out.Item as Json) : null;
  };
