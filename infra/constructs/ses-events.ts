import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { resourcePrefix } from './job-queue.ts';

/** Every event type SES publishes (API enum SEND … SUBSCRIPTION; CloudFormation spells them in camelCase). */
export const sesEventTypes: readonly ses.EmailSendingEvent[] = [
  ses.EmailSendingEvent.SEND,
  ses.EmailSendingEvent.REJECT,
  ses.EmailSendingEvent.BOUNCE,
  ses.EmailSendingEvent.COMPLAINT,
  ses.EmailSendingEvent.DELIVERY,
  ses.EmailSendingEvent.OPEN,
  ses.EmailSendingEvent.CLICK,
  ses.EmailSendingEvent.RENDERING_FAILURE,
  ses.EmailSendingEvent.DELIVERY_DELAY,
  ses.EmailSendingEvent.SUBSCRIPTION,
];

/** Physical names: operators find the topic and the destination by them. */
export const sesEventsTopicName = `${resourcePrefix}-ses-events`;
export const sesEventDestinationName = `${resourcePrefix}-events-to-sns`;

export interface SesEventsProps {
  /** The configuration set every message is sent through. */
  readonly configurationSet: ses.IConfigurationSet;
  /** The topology's SES events queue (SSE-SQS): subscribed with raw message delivery off. */
  readonly queue: sqs.IQueue;
  /** Its dead-letter queue: also the subscription's, for what SNS cannot deliver to the queue. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * SES event publishing, SES → SNS → SQS: the configuration set's event destination publishes every event type to
 * an SNS topic, and the SES events queue subscribes to it with raw message delivery off, so each SQS body is the
 * SNS envelope and its `MessageId` is the event's dedupe id (SES events carry no id of their own).
 *
 * - The topic is encrypted with a customer managed key (rotated yearly): SES cannot publish to a topic under the
 *   AWS managed SNS key, whose policy nobody can edit. The key policy lets SES use it for this account only
 *   (aws:SourceAccount; no aws:SourceArn, which SNS does not pass to KMS for every publishing service).
 * - The topic policy lets SES publish only for this account's configuration set (aws:SourceAccount and
 *   aws:SourceArn: `ConfigurationSetEventDestination` adds that statement itself) and denies publishing without TLS.
 * - The queue is encrypted with SSE-SQS, so SNS needs no key grant to deliver; its queue policy lets this topic
 *   only send to it (added by `SqsSubscription`). Messages SNS cannot deliver to the queue (its client-side
 *   errors: queue policy, a deleted queue) go to the queue's dead-letter queue instead of being dropped.
 */
export class SesEvents extends Construct {
  readonly key: kms.Key;
  readonly topic: sns.Topic;
  readonly destination: ses.ConfigurationSetEventDestination;
  readonly subscription: sns.Subscription;

  constructor(scope: Construct, id: string, props: SesEventsProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the confirm-and-send SES events topic',
      enableKeyRotation: true,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SesPublishesToTheEncryptedTopic',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'], // in a key policy, `*` is this key
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );

    this.topic = new sns.Topic(this, 'Topic', {
      topicName: sesEventsTopicName,
      displayName: 'Confirm-and-send SES events',
      masterKey: this.key,
      enforceSSL: true,
    });

    this.destination = new ses.ConfigurationSetEventDestination(this, 'Destination', {
      configurationSet: props.configurationSet,
      configurationSetEventDestinationName: sesEventDestinationName,
      destination: ses.EventDestination.snsTopic(this.topic),
      events: [...sesEventTypes],
      enabled: true,
    });

    this.subscription = this.topic.addSubscription(
      new SqsSubscription(props.queue, {
        rawMessageDelivery: false,
        deadLetterQueue: props.deadLetterQueue,
      }),
    );
  }
}
