import { normalizeAddress } from '#domain/profiles.ts';
import { shardOf } from '#domain/shards.ts';
import type { PageRequest, SesEventStore, TrackingLog, TrackingLogEntry } from '#ports/index.ts';
import { byKey, clone, paginate } from './support.ts';

/** Outcome markers, in memory. */
export class FakeEventStore implements SesEventStore {
  readonly outcomes = new Set<string>();
  async hasOutcome(sesMessageId: string, eventType: string, address: string) {
    return this.outcomes.has(`${sesMessageId}#${eventType}#${normalizeAddress(address)}`);
  }
  async putOutcome(sesMessageId: string, eventType: string, address: string) {
    this.outcomes.add(`${sesMessageId}#${eventType}#${normalizeAddress(address)}`);
  }
}

/** Where the adapter keeps an entry within its delivery's shard (the recipient's): time, then event and recipient. */
const sortKey = (e: TrackingLogEntry): string => `${e.at}#${e.eventId}#${e.recipientId}`;

/** A delivery's tracking log, listed shard by shard and in time order within a shard, as the adapter lists it. */
export class FakeTrackingLog implements TrackingLog {
  readonly entries = new Map<string, TrackingLogEntry>();
  /** When each entry expires (epoch seconds), by the same key. */
  readonly expiries = new Map<string, number>();
  async append(entry: TrackingLogEntry, expiresAt: number) {
    const key = `${entry.deliveryId}#${entry.recipientId}#${entry.at}#${entry.eventId}`;
    if (this.entries.has(key)) return false;
    this.entries.set(key, clone(entry));
    this.expiries.set(key, expiresAt);
    return true;
  }
  async list(deliveryId: string, filter: { type?: TrackingLogEntry['type'] | undefined }, page: PageRequest) {
    const all = [...this.entries.values()]
      .filter((e) => e.deliveryId === deliveryId && (!filter.type || e.type === filter.type))
      .sort((a, b) => shardOf(a.recipientId) - shardOf(b.recipientId) || byKey(sortKey(a), sortKey(b)));
    return paginate(all.map(clone), page);
  }
}
