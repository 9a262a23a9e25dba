/** Sending-log fixtures of the ledger and recipient-log tests (the adapters' and the contract suites'). */
import type { RecipientStatus } from '#domain/kpis.ts';
import type { Claim, LogRef, SendingLogEntry } from '#ports/index.ts';

/** When preparation wrote the entries. */
export const PREPARED_AT = '2026-11-22T09:00:00.000Z';

/** An entry as preparation writes it (pending), or in `status`, sent at `sentAt` with a message id. */
export const logEntry = (
  ref: LogRef,
  recipientId: string,
  status: RecipientStatus = 'pending',
  sentAt?: string,
): SendingLogEntry => ({
  ...ref,
  recipientId,
  profileId: recipientId,
  email: `${recipientId}@example.com`,
  status,
  updatedAt: sentAt ?? PREPARED_AT,
  ...(sentAt ? { sentAt, sesMessageId: `ses-${recipientId}-${ref.deliveryId}` } : {}),
});

/** A sender's claim, taken at `at` with a five-minute lease. */
export const claimOf = (owner: string, at = '2026-11-22T10:00:00.000Z'): Claim => ({
  owner,
  at,
  leaseUntil: '2026-11-22T10:05:00.000Z',
});
