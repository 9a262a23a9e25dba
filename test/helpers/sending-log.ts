/** Sending-log fixtures of the ledger and recipient-log tests (the adapters' and the contract suites'). */
import type { RecipientStatus } from '#domain/kpis.ts';
import type {
  LogRef,
  RecipientLedger,
  RecipientLogRepository,
  SendingLogEntry,
  Target,
} from '#ports/index.ts';

/** When preparation wrote the targets. */
export const PREPARED_AT = '2026-11-22T09:00:00.000Z';

/** A recipient as preparation targets it (its profile id is its id; no names). */
export const target = (recipientId: string, extra: Partial<Target> = {}): Target => ({
  recipientId,
  profileId: recipientId,
  email: `${recipientId}@example.com`,
  ...extra,
});

/** The message id `seedLog` gives a recipient sent in a log. */
export const messageIdOf = (ref: LogRef, recipientId: string): string =>
  `ses-${recipientId}-${ref.deliveryId}`;

/** An entry as the sending log shows it: pending (from its page), or in `status`, sent at `sentAt` with a message id. */
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
  ...(sentAt ? { sentAt, sesMessageId: messageIdOf(ref, recipientId) } : {}),
});

/**
 * Writes a log as `logEntry` describes its entries, through the ports: the targets (prepared at PREPARED_AT), then
 * each recipient's way to its status (sent with the entry's message id, then delivered or failed by an SES event;
 * failed without a send; in doubt; canceled), each write timed as the entry says, with its failure type and reason.
 */
export const seedLog = async (
  ledger: RecipientLedger,
  log: RecipientLogRepository,
  entries: readonly SendingLogEntry[],
): Promise<void> => {
  const byRef = new Map<string, { ref: LogRef; targets: Target[] }>();
  for (const e of entries) {
    const key = `${e.deliveryId}#${e.version}`;
    const group = byRef.get(key) ?? { ref: { deliveryId: e.deliveryId, version: e.version }, targets: [] };
    group.targets.push({ recipientId: e.recipientId, profileId: e.profileId, email: e.email });
    byRef.set(key, group);
  }
  for (const { ref, targets } of byRef.values()) await log.putTargets(ref, targets, PREPARED_AT);
  for (const e of entries) {
    const ref = { deliveryId: e.deliveryId, version: e.version };
    const t: Target = { recipientId: e.recipientId, profileId: e.profileId, email: e.email };
    if (e.sesMessageId && e.sentAt) {
      await ledger.markSent(ref, t, { sesMessageId: e.sesMessageId, at: e.sentAt, by: 'seed' });
      if (e.status !== 'sent') {
        const sent = await ledger.get(ref, e.recipientId);
        await ledger.applyEvent(ref, sent!, {
          status: e.status,
          updatedAt: e.updatedAt,
          ...(e.failureType ? { failureType: e.failureType } : {}),
          ...(e.failureReason ? { failureReason: e.failureReason } : {}),
          ...(e.deliveredAt ? { deliveredAt: e.deliveredAt } : {}),
        });
      }
    } else if (e.status === 'failed') {
      await ledger.markFailed(ref, t, {
        failureType: e.failureType ?? 'error',
        failureReason: e.failureReason ?? 'seed',
        at: e.updatedAt,
      });
    } else if (e.status === 'in-doubt') await ledger.markInDoubt(ref, t, e.updatedAt);
    else if (e.status === 'canceled') await ledger.cancel(ref, t, e.updatedAt);
  }
};
