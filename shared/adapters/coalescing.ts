/**
 * Read coalescing, for a handler whose records are worked on concurrently (the ingester): the reads the records
 * issue in the same turn of the event loop go out as one batch read instead of one request each (the idea of
 * DataLoader). Fewer requests, not fewer read units: a batch read bills each item as its own read.
 *
 * - `RecipientLedger.get` with `consistent: false` (ingestion's first read of an entry) becomes part of one
 *   `getMany`; a consistent read (after a lost race) goes alone, as asked.
 * - `QuarantineRepository.getMany` calls become one `getMany` of all their addresses.
 * Every other method passes through unchanged. Made per invocation: nothing is cached, only gathered.
 */
import { normalizeAddress, type QuarantineEntry } from '#domain/profiles.ts';
import type { LedgerEntry, LogRef, QuarantineRepository, RecipientLedger } from '#ports/index.ts';

/** At most this many keys a batch (BatchGetItem's limit); more in one turn make several batches. */
const MAX_BATCH = 100;

/**
 * A loader: `load(key)` calls made in one turn of the event loop are answered by one `loadMany` of their keys,
 * whose answers are in the order of the keys. A failed batch fails each of its callers.
 */
export const batchLoader = <K, V>(loadMany: (keys: K[]) => Promise<V[]>) => {
  let waiting: Array<{ key: K; resolve: (v: V) => void; reject: (e: unknown) => void }> = [];
  const run = (batch: typeof waiting) => {
    loadMany(batch.map((w) => w.key)).then(
      (values) => batch.forEach((w, i) => w.resolve(values[i]!)),
      (error: unknown) => batch.forEach((w) => w.reject(error)),
    );
  };
  const flush = () => {
    const batch = waiting;
    waiting = [];
    if (batch.length > 0) run(batch);
  };
  return (key: K): Promise<V> =>
    new Promise<V>((resolve, reject) => {
      waiting.push({ key, resolve, reject });
      if (waiting.length === 1) setImmediate(flush);
      else if (waiting.length >= MAX_BATCH) flush();
    });
};

/** Calls a method on its own object, whatever `this` the proxy was given (adapters keep private fields). */
const passThrough = <T extends object>(target: T, overrides: Partial<T>): T =>
  new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof T];
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });

/** The ledger, with its eventually consistent `get`s gathered into `getMany`. */
export const coalescingLedger = (ledger: RecipientLedger): RecipientLedger => {
  const load = batchLoader((keys: Array<{ ref: LogRef; recipientId: string }>) =>
    ledger.getMany(keys, { consistent: false }),
  );
  const get = (ref: LogRef, recipientId: string, options: { consistent?: boolean } = {}) =>
    options.consistent === false ? load({ ref, recipientId }) : ledger.get(ref, recipientId, options);
  return passThrough<RecipientLedger>(ledger, {
    get: get as (...args: unknown[]) => Promise<LedgerEntry | null>,
  });
};

/** The quarantine, with its `getMany`s gathered into one. */
export const coalescingQuarantine = (quarantine: QuarantineRepository): QuarantineRepository => {
  const load = batchLoader(async (lists: Array<readonly string[]>) => {
    const found = await quarantine.getMany(lists.flat());
    const byAddress = new Map(found.map((e) => [normalizeAddress(e.address), e]));
    return lists.map((addresses) =>
      [...new Set(addresses.map(normalizeAddress))].flatMap((a) => {
        const entry = byAddress.get(a);
        return entry ? [entry] : [];
      }),
    );
  });
  return passThrough<QuarantineRepository>(quarantine, {
    getMany: (addresses: readonly string[]): Promise<QuarantineEntry[]> => load(addresses),
  });
};
