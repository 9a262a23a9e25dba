import type { LagMinute, SentMark } from '#domain/in-doubt.ts';
import type { Page, PageRequest } from './paging.ts';

/**
 * Deliveries the sweeper watches (registered when a send starts): in-doubt recipients fail after the
 * reconciliation window, abandoned claims become in-doubt, a stalled send is re-driven.
 */
export interface SweepEntry {
  deliveryId: string;
  registeredAt: string;
  /** The delivery's settled count (sum of its counter shards) at the last sweep, and when that was. */
  settled?: number;
  sweptAt?: string;
  /** The delivery's sent counter at recent sweeps: what its event path is judged against (shared/domain/in-doubt.ts). */
  marks?: SentMark[];
  /**
   * The delivery is over but its counters differ from its log and their repair waits until then (its last writes'
   * ADDs may still be on their way: shared/use-cases/stats.ts `PendingRepair`); it is let go once repaired.
   */
  repairAfter?: string;
  /** When the counters of a delivery that is over but kept watched (in-doubt recipients) last agreed with its log. */
  healedAt?: string;
}

export interface SweepRegistry {
  /** Idempotent: keeps an existing entry's sweep state. */
  register(deliveryId: string, at: string): Promise<void>;
  list(page: PageRequest): Promise<Page<SweepEntry>>;
  update(deliveryId: string, state: { settled: number; sweptAt: string }): Promise<void>;
  /**
   * Notes when the counters' repair can be tried again (`repairAfter`) or when they last agreed with the log
   * (`healedAt`), leaving the other as it was; an entry removed meanwhile stays removed.
   */
  noteRepair(deliveryId: string, note: { repairAfter: string } | { healedAt: string }): Promise<void>;
  /** Replaces the entry's marks; an entry removed meanwhile stays removed. */
  mark(deliveryId: string, marks: readonly SentMark[]): Promise<void>;
  remove(deliveryId: string): Promise<void>;
}

/**
 * How long SES events wait in the events queue before an ingester takes them, the worst of each minute
 * (shared/domain/in-doubt.ts `resendWaitMs`): the ingesters note it, the sweeper waits it out before a resend.
 */
export interface IngestLag {
  /**
   * Notes that an event taken at `at` had waited `waitedMs` in the queue. The minute keeps its worst; an
   * implementation may skip a note that would raise a minute's worst by less than a second, or by less than a quarter (so that
   * ingesters write it a few times a minute, not per batch).
   */
  note(waitedMs: number, at: Date): Promise<void>;
  /** The worst wait of every minute from the one `from` falls in (oldest first; a minute nothing noted is absent). */
  since(from: Date): Promise<LagMinute[]>;
}
