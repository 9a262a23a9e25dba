/**
 * Resend to who did not get it (peers.md section 10, item 1): which recipients of a finished send a resend targets.
 * Pure code.
 *
 * Targeted: a soft failure (`failed`, type `soft`: the mailbox was full, the server busy, until SES gave up),
 * `canceled` (the send was stopped before them), and an in-doubt recipient past its window (`failed`, type
 * `error`, reason "in doubt: no SES record": SES most probably never accepted it). Never: a hard bounce (the
 * address does not exist), any other error (SES rejected the message: it would again), a delivered, sent, still
 * in-doubt (SES may have accepted it) or pending recipient. The caller also leaves out profiles opted out since,
 * and addresses quarantined or denylisted since; the preparation of the resend checks them all again.
 */

/** The reason the sweeper gives an in-doubt recipient it fails after the reconciliation window. */
export const IN_DOUBT_FAILURE = 'in doubt: no SES record';

/** The states a delivery's send is over in: a resend can be made of it. */
export const RESENDABLE_STATES = ['finished', 'stopped', 'failed'] as const;

export type ResendCause = 'soft-bounce' | 'canceled' | 'in-doubt-expired';

/** Why a sending-log entry is resent, or null when it is not. */
export const resendCause = (entry: {
  status: string;
  failureType?: string | undefined;
  failureReason?: string | undefined;
}): ResendCause | null => {
  if (entry.status === 'canceled') return 'canceled';
  if (entry.status !== 'failed') return null;
  if (entry.failureType === 'soft') return 'soft-bounce';
  if (entry.failureType === 'error' && entry.failureReason === IN_DOUBT_FAILURE) return 'in-doubt-expired';
  return null;
};
