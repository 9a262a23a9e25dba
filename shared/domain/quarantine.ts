/**
 * Quarantine and denylist of addresses (DESIGN section 5; Adobe Campaign's rules): a hard bounce quarantines at
 * once; soft errors make the address "erroneous" and quarantine it on the 5th significant error, where errors
 * less than a day apart count once; a successful delivery, or 10 days without an error, releases an erroneous
 * address; a complaint denylists it; quarantined and denylisted addresses never release by themselves.
 * Pure code.
 */
import type { QuarantineEntry } from './profiles.ts';
import { normalizeAddress } from './profiles.ts';

export const ERRORS_BEFORE_QUARANTINE = 5;
export const SIGNIFICANT_ERROR_GAP_MS = 24 * 60 * 60 * 1000;
export const ERRONEOUS_RELEASE_MS = 10 * 24 * 60 * 60 * 1000;

export type AddressEvent =
  | { kind: 'hard-bounce'; reason: string; at: string }
  | { kind: 'soft-bounce'; reason: string; at: string }
  | { kind: 'complaint'; at: string }
  | { kind: 'delivered'; at: string };

/**
 * The entry after an event; null when the address is valid (no entry). `current` is null for a valid address.
 */
export const nextQuarantine = (
  address: string,
  current: QuarantineEntry | null,
  event: AddressEvent,
): QuarantineEntry | null => {
  const normalized = normalizeAddress(address);
  // An erroneous address with no error for 10 days was released: its old errors count no more.
  if (current && releasedByTime(current, new Date(event.at))) return nextQuarantine(address, null, event);
  if (current && current.status !== 'erroneous') {
    // Quarantined stays quarantined (a complaint still denylists it); denylisted stays denylisted.
    if (event.kind === 'complaint' && current.status === 'quarantined') {
      return { ...current, status: 'denylisted', lastErrorAt: event.at, reason: 'Complaint (spam report)' };
    }
    return current;
  }
  switch (event.kind) {
    case 'delivered':
      return null; // a successful delivery releases an erroneous address
    case 'complaint':
      return {
        address: normalized,
        status: 'denylisted',
        errorCount: current?.errorCount ?? 0,
        lastErrorAt: event.at,
        reason: 'Complaint (spam report)',
      };
    case 'hard-bounce':
      return {
        address: normalized,
        status: 'quarantined',
        errorCount: (current?.errorCount ?? 0) + 1,
        lastErrorAt: event.at,
        reason: event.reason,
      };
    case 'soft-bounce': {
      const significant =
        !current || Date.parse(event.at) - Date.parse(current.lastErrorAt) >= SIGNIFICANT_ERROR_GAP_MS;
      if (!significant) return current;
      const errorCount = (current?.errorCount ?? 0) + 1;
      return {
        address: normalized,
        status: errorCount >= ERRORS_BEFORE_QUARANTINE ? 'quarantined' : 'erroneous',
        errorCount,
        lastErrorAt: event.at,
        reason: event.reason,
      };
    }
  }
};

/** An erroneous address with no error for 10 days is released (the daily clean-up); the others stay. */
export const releasedByTime = (entry: QuarantineEntry, now: Date): boolean =>
  entry.status === 'erroneous' && now.getTime() - Date.parse(entry.lastErrorAt) >= ERRONEOUS_RELEASE_MS;
