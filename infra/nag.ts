/**
 * Every cdk-nag (AwsSolutions) acknowledgement of the app, in one place. Each one names the resource it
 * applies to and why. cdk-nag runs as a validation plugin on every synth (infra/app.ts); anything not
 * acknowledged here fails `cdk synth`, and test/infra/nag.test.ts fails too.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';
import type { ConfirmAndSendStacks } from './app.ts';
import { type TableName, tables, functionEntries } from '#topology/topology.ts';

export function acknowledgeNagFindings({ console: site, stateful, stateless }: ConfirmAndSendStacks): void {
  // --- Console stack --------------------------------------------------------------------------------------
  acknowledge(site.distribution, {
    id: 'AwsSolutions-CFR1',
    reason:
      "No geo restriction: the console is for the company's own operators, who may sign in from anywhere they " +
      'travel. Its files hold no data and no secret (a JavaScript app and config.json with public ids); what is ' +
      'worth protecting sits behind the HTTP API, which requires a Cognito JWT. Blocking countries would lock out ' +
      'staff without protecting anything more.',
  });
  acknowledge(site.distribution, {
    id: 'AwsSolutions-CFR2',
    reason:
      'No AWS WAF web ACL: the distribution serves only the static files of the console build and config.json ' +
      '(GET and HEAD, cached), with no data and no origin compute behind it. Every data request goes to the HTTP ' +
      'API, which checks a Cognito JWT and is throttled per stage and route. A CloudFront web ACL must live in ' +
      'us-east-1 (another stack and region) and costs a monthly fee plus requests for nothing to protect here; ' +
      "attach one (the distribution's webAclId) when the account runs a central WAF.",
  });
  acknowledge(site.distribution, {
    id: 'AwsSolutions-CFR4',
    reason:
      "The distribution uses CloudFront's default *.cloudfront.net certificate, for which CloudFront fixes the " +
      'viewer security policy at TLSv1 whatever MinimumProtocolVersion says: only an alternate domain name with ' +
      'its own ACM certificate (us-east-1) can require TLSv1.2_2021, and no domain is known at synth. Browsers ' +
      'negotiate TLS 1.2 or 1.3 with it; HSTS is sent. Put a custom domain and certificate in front to raise the ' +
      'floor (README, Deploy to AWS).',
  });

  // --- Stateful stack -------------------------------------------------------------------------------------
  acknowledge(stateful.userPool, {
    id: 'AwsSolutions-COG2',
    reason:
      "MFA is optional (TOTP), not required: the console's managed login offers TOTP enrolment, but the README's " +
      'scripted checks and `npm run import` take ID tokens from a shell (USER_PASSWORD_AUTH), which has no MFA ' +
      'enrolment. The pool is on the Plus plan with threat protection in full-function mode, which challenges ' +
      'or blocks risky sign-ins and compromised credentials; self sign-up is off and the password policy is ' +
      'strong. Switch to Mfa.REQUIRED once every user signs in through managed login.',
  });
  // The job queues' DLQs need nothing here: cdk-nag sees them named in their source queue's redrive policy.
  acknowledge(stateful.scheduleDeadLetterQueue, {
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is itself a dead-letter queue: the DeadLetterConfig of every delivery schedule, set when the ' +
      'schedule is created at run time (so cdk-nag cannot see it used as one). A DLQ has no DLQ of its own; ' +
      'its messages are kept 14 days and an alarm fires as soon as it holds one.',
  });
  if (stateful.ruleDeadLetterQueue) {
    acknowledge(stateful.ruleDeadLetterQueue, {
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself a dead-letter queue: the DeadLetterConfig of the periodic functions' EventBridge " +
        'rule targets (stateless stack; cdk-nag only recognises a DLQ named in a redrive policy). A DLQ has no ' +
        'DLQ of its own; its messages are kept 14 days and an alarm fires as soon as it holds one.',
    });
  }

  acknowledge(stateful.secrets.unsubscribeKey, {
    id: 'AwsSolutions-SMG4',
    reason:
      'The unsubscribe signing key is not rotated automatically: every List-Unsubscribe link in a message already ' +
      'sent carries a token signed with it, and RFC 8058 and the mailbox providers expect those links to keep ' +
      'working (a reader may unsubscribe months later). A rotation would silently break them. The key is ' +
      'generated at deploy time, readable only by the three functions that sign or verify links, and changed by ' +
      'hand (a new secret version) only when it leaked.',
  });

  // --- Stateless stack ------------------------------------------------------------------------------------
  // The console's deployment (ConsoleContent): aws-cdk-lib's BucketDeployment, whose handler runs only while
  // CloudFormation deploys. Its role is our own (it logs to its own log group only), but the grants are CDK's.
  const content = stateless.consoleContent;
  acknowledgeResolved(content.role, (resolve) => [
    ...['s3:GetBucket*', 's3:GetObject*', 's3:List*'].map((action) => ({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason:
        `The console deployment reads the staged build from the CDK assets bucket and lists and syncs the console ` +
        `bucket: ${action} comes from grantRead and grantReadWrite (BucketDeployment), on those two buckets only.`,
    })),
    ...['s3:Abort*', 's3:DeleteObject*'].map((action) => ({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason:
        `The console deployment writes the build and config.json to the console bucket: ${action} comes from ` +
        "BucketDeployment's grantReadWrite on that bucket alone (the deployments never prune, so nothing is deleted " +
        'in practice).',
    })),
    {
      id: `AwsSolutions-IAM5[Resource::${resolve(`${content.build.assets.bucket.bucketArn}/*`)}]`,
      reason:
        'The staged console build (two zip files) is an object of the CDK bootstrap assets bucket whose key is the ' +
        "asset's hash; CDK grants read on that bucket's objects. Read only, during the deployment.",
    },
    {
      id: `AwsSolutions-IAM5[Resource::${resolve(`${site.bucket.bucketArn}/*`)}]`,
      reason:
        'The console deployment writes every file of the build (hashed names, unknown at synth) and config.json to ' +
        'the console bucket: the objects of that one bucket.',
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "BucketDeployment grants cloudfront:CreateInvalidation and GetInvalidation on '*' to invalidate the " +
        "console distribution's cache after a deploy; those actions only expire cached copies, never read or " +
        'change content or configuration.',
    },
  ]);
  for (const fn of stateless.node.children.filter(
    (c) => c instanceof lambda.Function && c.node.id.startsWith('Custom::CDKBucketDeployment'),
  )) {
    acknowledge(fn, {
      id: 'AwsSolutions-L1',
      reason:
        "The console deployment's handler is aws-cdk-lib's BucketDeployment function: its Python runtime and AWS " +
        'CLI layer are chosen by aws-cdk-lib and move with it. It runs only while CloudFormation deploys the ' +
        'console, never on a request.',
    });
  }

  for (const route of stateless.publicRoutes) {
    acknowledge(route, {
      id: 'AwsSolutions-APIG4',
      reason:
        'The one-click unsubscribe route is public by design (RFC 8058): mailbox providers (Gmail, Yahoo) POST to ' +
        'the List-Unsubscribe URL with no credentials, and readers open it without an account. It is authorized ' +
        'by the HMAC-signed token in its path instead (shared/domain/unsubscribe.ts: a tampered or guessed token ' +
        'is refused), opts out only the recipient the token names, and is throttled on its own (route settings). ' +
        'Every other route has the Cognito JWT authorizer.',
    });
  }
  // AwsSolutions-IAM5 on `<table ARN>/index/*`: grantReadData/grantWriteData/grantReadWriteData on a table
  // with global secondary indexes also grant the same actions on that table's indexes, as `<table ARN>/index/*`.
  // The wildcard spans only the indexes of one table the topology gives the function; it never widens to other
  // tables or actions. The finding's id embeds the table ARN as it appears in the consuming stack (a
  // cross-stack reference): see acknowledgeResolved.
  for (const [name, spec] of functionEntries()) {
    const fn = stateless.functions[name];
    const role = fn.role;
    const indexed = (Object.keys(spec.tables) as TableName[]).filter((t) => tables[t].indexes.length > 0);
    acknowledgeResolved(role, (resolve) =>
      indexed.map((tableName) => ({
        id: `AwsSolutions-IAM5[Resource::${resolve(stateful.tables[tableName].tableArn)}/index/*]`,
        reason:
          `${name} has ${spec.tables[tableName]} access to the ${tableName} table (topology) and may query ` +
          `its indexes (${tables[tableName].indexes.map((i) => i.name).join(', ')}); the grant* method ` +
          'covers them as <table ARN>/index/*, scoped to this one table.',
      })),
    );

    // AwsSolutions-IAM5 on `*` for ses:GetAccount: the action has no resource type, so `*` is the only valid
    // resource. It sits alone in its own policy, so this acknowledgement covers that one statement.
    if (fn.sesAccountPolicy) {
      acknowledge(fn.sesAccountPolicy, {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          `${name} reads the SES account's sending quota, rate and sandbox status (ses:GetAccount, topology ` +
          "ses: ['account']). GetAccount supports no resource-level permission: Resource must be *. This " +
          'policy holds that single read-only action and nothing else.',
      });
    }

    // AwsSolutions-IAM5 on `*` for the X-Ray actions of active tracing: PutTraceSegments and PutTelemetryRecords
    // have no resource type. They sit alone in the function's tracing policy.
    acknowledge(fn.tracingPolicy, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        `${name} runs with X-Ray active tracing (Powertools Tracer). Its only wildcard: xray:PutTraceSegments and ` +
        'xray:PutTelemetryRecords, which support no resource-level permission (Resource must be *), alone in ' +
        'this policy; they write trace data and read nothing.',
    });

    // AwsSolutions-IAM5 on `schedule/<group>/*`: the deliveries' schedules are created at run time with names
    // derived from the delivery, so they cannot be listed; the wildcard is one schedule group, three actions.
    const schedulesArn = fn.schedulesArn;
    if (schedulesArn !== undefined) {
      acknowledgeResolved(role, (resolve) => [
        {
          id: `AwsSolutions-IAM5[Resource::${resolve(schedulesArn)}]`,
          reason:
            `${name} creates, reads and deletes the deliveries' one-time and recurring schedules (topology ` +
            'schedules: true). Their names come from the deliveries at run time, so the resource is every ' +
            "schedule of the app's own schedule group, for scheduler:CreateSchedule, GetSchedule, UpdateSchedule " +
            'and DeleteSchedule only (no listing, no other group).',
        },
      ]);
    }
  }
}

/** Acknowledges one finding on `scope` and its subtree. */
function acknowledge(scope: IConstruct, ack: { id: string; reason: string }): void {
  Validations.of(scope).acknowledge(ack);
}

/**
 * Acknowledges findings whose id embeds a resolved ARN (a cross-stack reference, or pseudo parameters), as
 * cdk-nag prints it. References resolve only at synthesis, so the ids are computed during construct validation,
 * which runs after that and before the cdk-nag plugin. Validation runs on every synth: acknowledge once.
 */
function acknowledgeResolved(
  scope: IConstruct,
  acks: (resolve: (value: string) => string) => Array<{ id: string; reason: string }>,
): void {
  let acknowledged = false;
  scope.node.addValidation({
    validate: () => {
      if (acknowledged) return [];
      acknowledged = true;
      const resolve = (value: string): string => flattenCfnReference(Stack.of(scope).resolve(value));
      for (const ack of acks(resolve)) acknowledge(scope, ack);
      return [];
    },
  });
}
