import type { UserRef } from '#domain/delivery.ts';
import type { Page, PageRequest } from './paging.ts';

/** What became of one address of a proof (SES events move it forward, never back). */
export type ProofStatus = 'pending' | 'sent' | 'failed' | 'delivered' | 'bounced' | 'complained';

export interface ProofRecipient {
  address: string;
  status: ProofStatus;
  sesMessageId?: string;
  /** Why it failed or bounced. */
  reason?: string;
  opens: number;
  clicks: number;
  updatedAt: string;
}

/**
 * One proof: the prepared content sent to a few addresses for review. Proofs have their own log on the delivery and
 * never touch its sending log, KPIs, the quarantine or any profile's history.
 */
export interface Proof {
  deliveryId: string;
  /** Time-ordered: `<epoch ms, base 36>-<random>`. */
  proofId: string;
  /** The prepared version whose snapshot was sent. */
  version: number;
  subject: string;
  sentAt: string;
  sentBy: UserRef;
  recipients: ProofRecipient[];
}

/** A change to one address of a proof: its SES answer, or what an SES event does to it. */
export interface ProofRecipientChange {
  status?: ProofStatus;
  sesMessageId?: string;
  reason?: string;
  /** Added to opens, clicks. */
  opens?: number;
  clicks?: number;
  updatedAt: string;
}

/** The proofs of a delivery (the deliveries table, `PROOF#<deliveryId>`). */
export interface ProofLog {
  put(proof: Proof): Promise<void>;
  /** Newest first. */
  list(deliveryId: string, page: PageRequest): Promise<Page<Proof>>;
  get(deliveryId: string, proofId: string): Promise<Proof | null>;
  /**
   * Changes the proof's recipient at `index`, conditionally on its status still being `expected` (what the caller
   * read): false when it moved meanwhile (re-read and decide again), or the proof or index is unknown.
   */
  updateRecipient(
    deliveryId: string,
    proofId: string,
    index: number,
    expected: ProofStatus,
    change: ProofRecipientChange,
  ): Promise<boolean>;
}
