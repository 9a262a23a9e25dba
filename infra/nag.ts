/**
 * Every cdk-nag (AwsSolutions) acknowledgement of the app, in one place. Each one names the resource it
 * applies to and why. cdk-nag runs as a validation plugin on every synth (infra/app.ts); anything not
 * acknowledged here fails `cdk synth`, and test/infra/nag.test.ts fails too.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';
import type { ConfirmAndSendStacks } from './app.ts';
import { type FunctionName, type FunctionSpec, functions, type TableName, tables } from './topology.ts';

export function acknowledgeNagFindings({ stateful, stateless }: ConfirmAndSendStacks): void {
  // --- Stateful stack -------------------------------------------------------------------------------------
  acknowledge(stateful.userPool, {
    id: 'AwsSolutions-COG2',
    reason:
      'MFA is optional (TOTP), not required: the console signs in with SRP/password and has no MFA enrolment ' +
      'flow yet. The pool is on the Plus plan with threat protection in full-function mode, which challenges ' +
      'or blocks risky sign-ins and compromised credentials; self sign-up is off and the password policy is ' +
      'strong. Switch to Mfa.REQUIRED once the console handles the MFA_SETUP challenge.',
  });

  // --- Stateless stack ------------------------------------------------------------------------------------
  // AwsSolutions-IAM5 on `<table ARN>/index/*`: grantReadData/grantWriteData/grantReadWriteData on a table
  // with global secondary indexes also grant the same actions on that table's indexes, as `<table ARN>/index/*`.
  // The wildcard spans only the indexes of one table the topology gives the function; it never widens to other
  // tables or actions. The finding's id embeds the table ARN as it appears in the consuming stack (a
  // cross-stack reference), which exists only once references are resolved: the ids are therefore computed
  // and acknowledged during construct validation, which runs after that and before the cdk-nag plugin.
  for (const [name, spec] of Object.entries(functions) as Array<[FunctionName, FunctionSpec]>) {
    const role = stateless.functions[name].role;
    const indexed = (Object.keys(spec.tables) as TableName[]).filter((t) => tables[t].indexes.length > 0);
    let acknowledged = false; // validation runs on every synth; acknowledge once
    role.node.addValidation({
      validate: () => {
        if (acknowledged) return [];
        acknowledged = true;
        for (const tableName of indexed) {
          const arn = flattenCfnReference(Stack.of(role).resolve(stateful.tables[tableName].tableArn));
          acknowledge(role, {
            id: `AwsSolutions-IAM5[Resource::${arn}/index/*]`,
            reason:
              `${name} has ${spec.tables[tableName]} access to the ${tableName} table (topology) and may query ` +
              `its indexes (${tables[tableName].indexes.map((i) => i.name).join(', ')}); the grant* method ` +
              'covers them as <table ARN>/index/*, scoped to this one table.',
          });
        }
        return [];
      },
    });
  }
}

/** Acknowledges one finding on `scope` and its subtree. */
function acknowledge(scope: IConstruct, ack: { id: string; reason: string }): void {
  Validations.of(scope).acknowledge(ack);
}
