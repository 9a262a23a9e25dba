import { Arn, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { resourcePrefix } from './job-queue.ts';

/** Physical name of an alarm; the topic only accepts notifications from alarms named this way. */
export const alarmName = (what: string): string => `${resourcePrefix}-${what}`;

export interface AlarmTopicProps {
  /** Optional address subscribed to the notifications (it must confirm the subscription). */
  readonly email?: string;
}

/**
 * The SNS topic every alarm of the app notifies. Encrypted with a customer managed KMS key (rotated yearly):
 * CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key, so the key policy lets the
 * CloudWatch service use this key, and the topic policy lets it publish, both only for this account's alarms
 * named `confirm-and-send-*`. Publishers must use TLS (cdk-nag SNS3).
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const fromOurAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': Arn.format(
          {
            service: 'cloudwatch',
            resource: 'alarm',
            resourceName: `${resourcePrefix}-*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          },
          stack,
        ),
      },
    };
    const cloudwatchPrincipal = new iam.ServicePrincipal('cloudwatch.amazonaws.com');

    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the confirm-and-send alarm notifications topic',
      enableKeyRotation: true,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheEncryptedTopic',
        principals: [cloudwatchPrincipal],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'], // in a key policy, `*` is this key
        conditions: fromOurAlarms,
      }),
    );

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Confirm-and-send alarms',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudwatchPrincipal],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromOurAlarms,
      }),
    );
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
  }
}

export interface ProjectAlarmProps {
  /** Becomes the alarm name `confirm-and-send-<name>`. */
  readonly name: string;
  readonly description: string;
  readonly metric: cloudwatch.IMetric;
  /** Alarms when the metric is strictly greater than this (or equal, with `orEqual`). */
  readonly threshold: number;
  readonly orEqual?: boolean;
  readonly evaluationPeriods?: number;
}

/**
 * An alarm of the app: `metric > threshold` over one period by default, missing data is fine (an idle queue or
 * function publishes nothing), notifications to the alarm topic on ALARM and back to OK.
 */
export function projectAlarm(scope: Construct, id: string, topic: sns.ITopic, props: ProjectAlarmProps) {
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmName: alarmName(props.name),
    alarmDescription: props.description,
    metric: props.metric,
    threshold: props.threshold,
    comparisonOperator: props.orEqual
      ? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
      : cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: props.evaluationPeriods ?? 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  const action = new SnsAction(topic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}

/** Period of every alarm metric (SQS and Lambda publish every minute; five smooths single-sample noise). */
export const alarmPeriod = Duration.minutes(5);
