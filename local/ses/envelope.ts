/** The SNS `Notification` envelope the events queue receives each SES record in (raw message delivery off). */
import { createHash } from 'node:crypto';
import { stableUuid } from './records.ts';

/** The Subject SES sets on the SNS notifications of event publishing. */
export const SNS_SUBJECT = 'Amazon SES Email Event Notification';

export interface EnvelopeContext {
  topicArn: string;
  snsMessageId: string;
  at: Date;
}

/** The SNS `Notification` an SQS subscription receives with raw message delivery off (keys as AWS's example). */
export const snsEnvelope = (record: unknown, context: EnvelopeContext) => {
  const region = context.topicArn.split(':')[3] ?? 'us-east-1';
  const message = JSON.stringify(record);
  const timestamp = context.at.toISOString();
  return {
    Type: 'Notification',
    MessageId: context.snsMessageId,
    TopicArn: context.topicArn,
    Subject: SNS_SUBJECT,
    Message: message,
    Timestamp: timestamp,
    SignatureVersion: '1',
    // Not verifiable: there is no SNS signing certificate locally. The same shape (base64 of 256 bytes).
    Signature: Buffer.concat(
      Array.from({ length: 8 }, (_, i) =>
        createHash('sha256').update(`${i}|${context.snsMessageId}|${timestamp}|${message}`).digest(),
      ),
    ).toString('base64'),
    SigningCertURL: `https://sns.${region}.amazonaws.com/SimpleNotificationService-local.pem`,
    UnsubscribeURL: `https://sns.${region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${context.topicArn}:${stableUuid(context.topicArn)}`,
  };
};

export type SnsEnvelope = ReturnType<typeof snsEnvelope>;
