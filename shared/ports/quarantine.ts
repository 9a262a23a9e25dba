import type { QuarantineEntry } from '#domain/profiles.ts';

export interface QuarantineRepository {
  /** The quarantine entries of these addresses (normalized, lower case); absent ones are valid. */
  getMany(addresses: readonly string[]): Promise<QuarantineEntry[]>;
  /**
   * Moves one address's entry: reads it (consistently), asks `next` for the new entry (null = valid, no entry),
   * and writes only if it changed, conditionally on the entry being as read (retried on a lost race). Returns the
   * entry as written (or as it stayed).
   */
  update(
    address: string,
    next: (current: QuarantineEntry | null) => QuarantineEntry | null,
  ): Promise<QuarantineEntry | null>;
}
