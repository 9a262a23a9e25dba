import { type LagMinute, minuteOf, type SentMark } from '#domain/in-doubt.ts';
import type { IngestLag, PageRequest, SweepEntry, SweepRegistry } from '#ports/index.ts';
import { byKey, clone, paginate } from './support.ts';

export class FakeSweepRegistry implements SweepRegistry {
  readonly entries = new Map<string, SweepEntry>();
  async register(deliveryId: string, at: string) {
    if (!this.entries.has(deliveryId)) this.entries.set(deliveryId, { deliveryId, registeredAt: at });
  }
  async list(page: PageRequest) {
    const inIdOrder = [...this.entries.values()].sort((a, b) => byKey(a.deliveryId, b.deliveryId));
    return paginate(inIdOrder.map(clone), page);
  }
  async update(deliveryId: string, state: { settled: number; sweptAt: string }) {
    const e = this.entries.get(deliveryId);
    if (e) Object.assign(e, state);
  }
  async noteRepair(deliveryId: string, note: { repairAfter: string } | { healedAt: string }) {
    const e = this.entries.get(deliveryId);
    if (e) Object.assign(e, note);
  }
  async mark(deliveryId: string, marks: readonly SentMark[]) {
    const e = this.entries.get(deliveryId);
    if (e) e.marks = marks.map((m) => ({ ...m }));
  }
  async remove(deliveryId: string) {
    this.entries.delete(deliveryId);
  }
}

/** The ingesters' lag in memory: every note counts (the adapter may skip small rises). */
export class FakeIngestLag implements IngestLag {
  readonly minutes = new Map<string, number>();
  async note(waitedMs: number, at: Date) {
    const minute = minuteOf(at);
    this.minutes.set(minute, Math.max(this.minutes.get(minute) ?? 0, Math.max(0, Math.round(waitedMs))));
  }
  async since(from: Date): Promise<LagMinute[]> {
    const first = minuteOf(from);
    return [...this.minutes]
      .filter(([minute]) => minute >= first)
      .sort(([a], [b]) => byKey(a, b))
      .map(([minute, worstWaitMs]) => ({ minute, worstWaitMs }));
  }
}
