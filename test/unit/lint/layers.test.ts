/**
 * The layer rules of eslint.config.js: `npm run lint` fails on a wrong-way import. Each fixture under
 * test/fixtures/layers (ignored by the lint run itself) is linted as if it were a file of the folder it names.
 */
import { readFileSync } from 'node:fs';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** The no-restricted-imports messages for a fixture linted as `asPath`. */
const restricted = async (fixture: string, asPath: string) => {
  const code = readFileSync(new URL(`../../fixtures/layers/${fixture}`, import.meta.url), 'utf8');
  const [result] = await eslint.lintText(code, { filePath: `${root}${asPath}` });
  return result!.messages
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => ({ line: m.line, message: m.message }));
};

describe('layer rules', () => {
  it('the domain imports nothing outside the domain: no adapter, no port, no AWS SDK', async () => {
    expect(await restricted('domain-imports-adapter.ts', 'shared/domain/fixture.ts')).toEqual([
      { line: 2, message: expect.stringContaining('Domain code imports only the domain.') },
      { line: 3, message: expect.stringContaining('Domain code imports only the domain.') },
      { line: 4, message: expect.stringContaining('Domain code imports no AWS SDK') },
    ]);
  });

  it('use cases import no adapter', async () => {
    expect(await restricted('use-case-imports-adapter.ts', 'shared/use-cases/fixture.ts')).toEqual([
      { line: 2, message: expect.stringContaining('never adapters') },
    ]);
  });

  it('functions import no local runtime', async () => {
    expect(await restricted('function-imports-local.ts', 'functions/queue/fixture.ts')).toEqual([
      { line: 2, message: expect.stringContaining('no local runtime') },
    ]);
  });

  it('nothing but the CDK app and its tests imports infra/', async () => {
    for (const asPath of [
      'scripts/fixture.ts',
      'local/fixture.ts',
      'test/e2e/fixture.ts',
      'functions/fixture.ts',
    ])
      expect(await restricted('imports-infra.ts', asPath), asPath).toHaveLength(1);
    expect(await restricted('imports-infra.ts', 'test/infra/fixture.ts')).toEqual([]);
    expect(await restricted('imports-infra.ts', 'infra/stacks/fixture.ts')).toEqual([]);
  });

  it('relative imports stay in their folder', async () => {
    expect(await restricted('relative-across-folders.ts', 'shared/use-cases/fixture.ts')).toEqual([
      { line: 2, message: expect.stringContaining('Import across folders through an alias') },
    ]);
  });

  it('allows the right way round', async () => {
    expect(await restricted('use-case-right-way.ts', 'shared/use-cases/fixture.ts')).toEqual([]);
  });
});
