import type { EmailSender, OutgoingEmail, SendingAccount, SendingQuota, SendOutcome } from '#ports/index.ts';
import { clone } from './support.ts';

/** An SES stand-in that accepts by default; `script` outcomes are used first, in order. */
export class ScriptedEmailSender implements EmailSender {
  readonly sent: OutgoingEmail[] = [];
  readonly script: SendOutcome[] = [];
  private n = 0;
  async send(email: OutgoingEmail): Promise<SendOutcome> {
    const next = this.script.shift();
    if (next && next.kind !== 'accepted') return next;
    this.sent.push(clone(email));
    this.n += 1;
    return next ?? { kind: 'accepted', messageId: `ses-${this.n}` };
  }
}

export class FakeAccount implements SendingAccount {
  quotaValue: SendingQuota = { max24HourSend: 1_000_000, sentLast24Hours: 0, maxSendRate: 100 };
  async quota() {
    return { ...this.quotaValue };
  }
}
