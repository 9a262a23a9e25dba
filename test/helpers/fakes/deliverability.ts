import { randomBytes } from 'node:crypto';
import type {
  GuardCounters,
  GuardCounts,
  PageRequest,
  Proof,
  ProofLog,
  ProofRecipientChange,
  ProofStatus,
  SigningKey,
} from '#ports/index.ts';
import { byKey, clone, paginate } from './support.ts';

/** The proof log in memory, newest first, as the adapter lists it. */
export class FakeProofLog implements ProofLog {
  readonly proofs = new Map<string, Proof>();
  async put(proof: Proof) {
    this.proofs.set(`${proof.deliveryId}#${proof.proofId}`, clone(proof));
  }
  async list(deliveryId: string, page: PageRequest) {
    const all = [...this.proofs.values()]
      .filter((p) => p.deliveryId === deliveryId)
      .sort((a, b) => byKey(b.proofId, a.proofId));
    return paginate(all.map(clone), page);
  }
  async get(deliveryId: string, proofId: string) {
    const proof = this.proofs.get(`${deliveryId}#${proofId}`);
    return proof ? clone(proof) : null;
  }
  async updateRecipient(
    deliveryId: string,
    proofId: string,
    index: number,
    expected: ProofStatus,
    change: ProofRecipientChange,
  ) {
    const recipient = this.proofs.get(`${deliveryId}#${proofId}`)?.recipients[index];
    if (!recipient || recipient.status !== expected) return false;
    if (change.status) recipient.status = change.status;
    if (change.sesMessageId) recipient.sesMessageId = change.sesMessageId;
    if (change.reason) recipient.reason = change.reason;
    recipient.opens += change.opens ?? 0;
    recipient.clicks += change.clicks ?? 0;
    recipient.updatedAt = change.updatedAt;
    return true;
  }
}

export class FakeGuardCounters implements GuardCounters {
  readonly counts = new Map<string, GuardCounts>();
  async add(deliveryId: string, deltas: Partial<GuardCounts>) {
    const c = this.counts.get(deliveryId) ?? { bounces: 0, complaints: 0 };
    const next = {
      bounces: c.bounces + (deltas.bounces ?? 0),
      complaints: c.complaints + (deltas.complaints ?? 0),
    };
    this.counts.set(deliveryId, next);
    return { ...next };
  }
  async read(deliveryId: string) {
    return { ...(this.counts.get(deliveryId) ?? { bounces: 0, complaints: 0 }) };
  }
}

/** A key made once per test run, as the deploy makes one per stack. */
export class FakeSigningKey implements SigningKey {
  readonly key = randomBytes(32);
  async get() {
    return this.key;
  }
}
