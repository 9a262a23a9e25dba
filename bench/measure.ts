/**
 * What the bench computes from what it recorded: the step a DynamoDB request belongs to (docs/data-model.md, "Write
 * units per step"), percentiles, the busiest one-second window of a send, the hottest partition keys.
 */
import type { KeyWrite } from './dynamodb-meter.ts';

type Json = Record<string, unknown>;

const text = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Json).S === 'string')
    return (value as Json).S as string;
  return undefined;
};

/** The item or key a single-item request names, or the first of a batch. */
const target = (operation: string, input: Json): Json | undefined => {
  if (operation === 'BatchWriteItem') {
    const [requests] = Object.values((input.RequestItems ?? {}) as Record<string, Json[]>);
    const first = requests?.[0];
    return ((first?.PutRequest as Json | undefined)?.Item ??
      (first?.DeleteRequest as Json | undefined)?.Key) as Json | undefined;
  }
  return (input.Item ?? input.Key) as Json | undefined;
};

/**
 * The step of a write (docs/data-model.md): from its table (by the logical name in the physical one), its keys and,
 * for the writes of an entry, what it sets. Reads are labelled by table only.
 */
export const stepOf = (operation: string, input: Json): string => {
  const table = String(input.TableName ?? Object.keys((input.RequestItems ?? {}) as Json)[0] ?? '');
  const item = target(operation, input);
  const pk = text(item?.pk) ?? '';
  const sk = text(item?.sk) ?? '';
  const values = (input.ExpressionAttributeValues ?? {}) as Json;
  const isWrite = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'].includes(operation);
  if (!isWrite) return `read:${table.split('-').at(-1)}`;
  if (table.endsWith('recipients')) {
    if (sk.startsWith('T#') || sk.startsWith('P#')) return 'prepare';
    if (sk.startsWith('L#')) return 'send-window';
    if (operation === 'PutItem') {
      const status = text(item?.status);
      if (item?.reconciledAt !== undefined) return 'reconciled';
      if (status === 'sent') return 'mark-sent';
      if (status === 'failed') return 'rejected';
      if (status === 'in-doubt') return 'in-doubt';
      if (status === 'canceled') return 'canceled';
      return 'recipients-other';
    }
    const status = text(values[':status']);
    const tracked = values[':trackAt'] !== undefined;
    // A Send event of the evidence sample, noted on its entry (the only write of a Send event).
    if (String(input.UpdateExpression).includes('sendSeenAt')) return 'send-event';
    if (text(values[':inDoubt']) === 'in-doubt') return 'in-doubt-expired';
    if (tracked) return String(input.UpdateExpression).includes('clicks') ? 'click-event' : 'open-event';
    if (values[':messageId'] !== undefined) return 'reconciled';
    if (status === 'delivered') return 'delivery-event';
    if (status === 'failed') return 'bounce-event';
    return 'recipients-other';
  }
  if (table.endsWith('events')) return pk.startsWith('OUT#') ? 'outcome-marker' : 'tracking';
  if (table.endsWith('deliveries')) return /#C#/.test(pk) ? 'counters' : 'delivery-control';
  if (table.endsWith('profiles')) {
    if (pk.startsWith('Q#')) return 'quarantine';
    if (operation === 'UpdateItem' && pk.startsWith('P#')) return 'opt-out';
    return 'profiles-setup';
  }
  return `other:${table}`;
};

/** The value at quantile `q` (0..1) of numbers sorted ascending (nearest rank). */
export const quantile = (sorted: readonly number[], q: number): number => {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
};

/** The most events of any window [t, t + windowMs) (times in ms, any order). */
export const busiestWindow = (times: readonly number[], windowMs = 1000): number => {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
};

/**
 * The steady rate of events: over the middle of them (from the 5th to the 95th percentile of their times), leaving
 * out the ramp-up of the first senders and the last pages' tail.
 */
export const steadyRate = (times: readonly number[]): number => {
  const sorted = [...times].sort((a, b) => a - b);
  if (sorted.length < 20) return spanRate(sorted);
  const from = Math.floor(sorted.length * 0.05);
  const to = Math.ceil(sorted.length * 0.95) - 1;
  return to > from ? ((to - from) * 1000) / (sorted[to]! - sorted[from]!) : 0;
};

/** The rate of events over their span: (count − 1) / (last − first), per second. */
export const spanRate = (times: readonly number[]): number => {
  if (times.length < 2) return 0;
  const first = Math.min(...times);
  const last = Math.max(...times);
  return last > first ? ((times.length - 1) * 1000) / (last - first) : 0;
};

/**
 * The busiest partition keys: the most write units one key took in one second, per key, hottest first; and its
 * largest share of a second's writes (all keys) among the seconds at full rate (at least half the busiest
 * second's writes): what scales with the send rate, where a key's burst in a quiet second would not.
 */
export const hottestKeys = (
  writes: readonly KeyWrite[],
  top = 5,
): Array<{
  table: string;
  pk: string;
  peakWritesPerSecond: number;
  peakShare: number;
  totalUnits: number;
}> => {
  const perKeySecond = new Map<string, Map<number, number>>();
  const allPerSecond = new Map<number, number>();
  const totals = new Map<string, { table: string; pk: string; total: number }>();
  for (const w of writes) {
    const second = Math.floor(w.at / 1000);
    allPerSecond.set(second, (allPerSecond.get(second) ?? 0) + w.units);
    const key = `${w.table}\u0000${w.pk}`;
    const seconds = perKeySecond.get(key) ?? new Map<number, number>();
    seconds.set(second, (seconds.get(second) ?? 0) + w.units);
    perKeySecond.set(key, seconds);
    const t = totals.get(key) ?? { table: w.table, pk: w.pk, total: 0 };
    t.total += w.units;
    totals.set(key, t);
  }
  const fullRate = Math.max(0, ...allPerSecond.values()) / 2;
  return [...totals.entries()]
    .map(([key, t]) => {
      let peak = 0;
      let peakShare = 0;
      for (const [second, units] of perKeySecond.get(key)!) {
        peak = Math.max(peak, units);
        const all = allPerSecond.get(second)!;
        if (all >= fullRate) peakShare = Math.max(peakShare, units / all);
      }
      return { table: t.table, pk: t.pk, peakWritesPerSecond: peak, peakShare, totalUnits: t.total };
    })
    .sort((a, b) => b.peakWritesPerSecond - a.peakWritesPerSecond || b.totalUnits - a.totalUnits)
    .slice(0, top);
};

/** The peak resident memory of a process (VmHWM from /proc, bytes), or null when it cannot be read. */
export const peakRssOf = async (pid: number): Promise<number | null> => {
  try {
    const { readFile } = await import('node:fs/promises');
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
};

/** CPU time a process used so far (user + system, seconds), from /proc, or null. */
export const cpuSecondsOf = async (pid: number): Promise<number | null> => {
  try {
    const { readFile } = await import('node:fs/promises');
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100;
  } catch {
    return null;
  }
};
