/** One message to one recipient, as the SES adapter sends it. */
export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** SES message tags ([A-Za-z0-9_-], up to 256 characters each). */
  tags: Record<string, string>;
  /** Extra headers (List-Unsubscribe, ...). */
  headers?: Record<string, string>;
}

/**
 * What SES did with a send, classified: accepted; throttled (retry later, never a failure); daily quota
 * exceeded (pause the delivery); rejected (a permanent failure of this recipient only); unknown (the call may or
 * may not have reached SES: the recipient becomes in-doubt, never resent).
 */
export type SendOutcome =
  | { kind: 'accepted'; messageId: string }
  | { kind: 'throttled'; reason: string }
  | { kind: 'daily-quota'; reason: string }
  /** Account or configuration set sending paused or suspended: stop sending and alert. */
  | { kind: 'paused'; reason: string }
  | { kind: 'rejected'; reason: string }
  | { kind: 'unknown'; reason: string };

export interface EmailSender {
  send(email: OutgoingEmail): Promise<SendOutcome>;
}

export interface SendingQuota {
  max24HourSend: number;
  sentLast24Hours: number;
  /** Messages per second. */
  maxSendRate: number;
}

export interface SendingAccount {
  quota(): Promise<SendingQuota>;
}
