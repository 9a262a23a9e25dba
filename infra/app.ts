import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgeNagFindings } from './nag.ts';
import { StatefulStack } from './stacks/stateful.ts';
import { StatelessStack } from './stacks/stateless.ts';

/**
 * The CDK app: `cdk.json` runs this file directly (Node 24 strips the types). Tests call `buildApp` on their own
 * `App` (with the cdk.json context) so they check exactly the stacks that `cdk synth` produces.
 *
 * Context (all optional; `-c key=value` or cdk.json):
 * - `region`: target region, default `eu-west-1`. Pinned here on purpose: with no AWS config the CLI injects
 *   CDK_DEFAULT_REGION=us-east-1, which must not silently decide where this goes.
 * - `account`: target account id; unset, the stacks are account-agnostic and synth needs no credentials.
 * - `consoleOrigin`: origin allowed by CORS, default `http://localhost:3000`.
 * - `logLevel`: Powertools log level of every function, default `INFO`.
 * - `apiRateLimit`, `apiBurstLimit`: default stage throttling, default 50 requests/s and a burst of 100.
 */
export interface ConfirmAndSendStacks {
  stateful: StatefulStack;
  stateless: StatelessStack;
}

export const stackNames = {
  stateful: 'ConfirmAndSend-Stateful',
  stateless: 'ConfirmAndSend-Stateless',
} as const;

export function buildApp(app: App): ConfirmAndSendStacks {
  const context = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const account = context('account');
  const env = { region: context('region') ?? 'eu-west-1', ...(account ? { account } : {}) };

  // cdk-nag AwsSolutions: any unacknowledged finding (error or warning) fails `cdk synth`.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

  const stateful = new StatefulStack(app, stackNames.stateful, {
    env,
    description: 'Confirm-and-send: DynamoDB tables and the Cognito user pool (data; retained)',
  });
  const stateless = new StatelessStack(app, stackNames.stateless, {
    env,
    description: 'Confirm-and-send: functions and the HTTP API (code; no data)',
    tables: stateful.tables,
    userPool: stateful.userPool,
    consoleClient: stateful.consoleClient,
    consoleOrigin: context('consoleOrigin') ?? 'http://localhost:3000',
    logLevel: context('logLevel') ?? 'INFO',
    throttle: {
      rateLimit: Number(context('apiRateLimit') ?? 50),
      burstLimit: Number(context('apiBurstLimit') ?? 100),
    },
  });

  const stacks = { stateful, stateless };
  acknowledgeNagFindings(stacks);
  return stacks;
}

if (import.meta.main) {
  const app = new App();
  buildApp(app);
  app.synth();
}
