/**
 * Every function starts with exactly the environment the template gives it: each handler module is imported (as
 * at a Lambda cold start, where it reads its configuration) with its template's variables only, references
 * replaced by placeholder values. A function that reads a setting its topology entry does not list fails here,
 * not at its first invocation in AWS.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { repoRoot } from '#infra/constructs/project-function.ts';
import { functionEntries } from '#topology/topology.ts';
import { logicalIdOf, resourcesOf, synthesize } from './build.ts';

const s = synthesize();
const saved = { ...process.env };

afterEach(() => {
  process.env = { ...saved };
  vi.resetModules();
});

describe('cold start with the template environment', () => {
  it.each(functionEntries())('%s: its handler module loads', async (name, spec) => {
    const variables = (
      resourcesOf(s.statelessTemplate, 'AWS::Lambda::Function')[
        logicalIdOf(s.stateless.functions[name].function)
      ]?.Properties.Environment as { Variables: Record<string, unknown> }
    ).Variables;
    process.env = {
      PATH: saved.PATH,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'placeholder',
      AWS_SECRET_ACCESS_KEY: 'placeholder',
      ...Object.fromEntries(
        Object.entries(variables).map(([key, value]) => [
          key,
          typeof value === 'string'
            ? value
            : key.endsWith('_URL')
              ? `https://placeholder-for-${key.toLowerCase().replace(/_/g, '-')}.example.com`
              : `placeholder-for-${key.toLowerCase()}`,
        ]),
      ),
      // The embedded runtime's metrics stay off here too (nothing is published without a namespace).
      POWERTOOLS_METRICS_NAMESPACE: '',
    };
    vi.resetModules();
    const module = (await import(`${repoRoot}/${spec.entry}`)) as { handler?: unknown };
    expect(typeof module.handler).toBe('function');
  });
});
