/**
 * The local Secrets Manager: the real SDK client, through the SecretSigningKey adapter (Powertools Parameters), reads
 * the key the runtime made on its first start; the key survives a restart; unknown secrets and other actions are
 * refused as AWS refuses them.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretSigningKey } from '#adapters/secrets/signing-key.ts';
import {
  type LocalSecretsManager,
  SECRETS_FILE,
  startLocalSecretsManager,
} from '#local/secretsmanager/secrets.ts';

const dirs: string[] = [];
const servers: LocalSecretsManager[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const start = async (dataDir: string) => {
  const server = await startLocalSecretsManager({
    dataDir,
    region: 'us-east-1',
    accountId: '000000000000',
    names: ['local-unsubscribe-signing-key'],
  });
  servers.push(server);
  return server;
};

const sdk = (url: string) =>
  new SecretsManagerClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });

describe('the local Secrets Manager', () => {
  it('serves a generated key to the adapter, the same after a restart, from a file only its owner reads', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cas-secrets-'));
    dirs.push(dataDir);
    const first = await start(dataDir);
    const arn = first.arnOf('local-unsubscribe-signing-key');
    expect(arn).toMatch(
      /^arn:aws:secretsmanager:us-east-1:000000000000:secret:local-unsubscribe-signing-key-[0-9a-f]{6}$/,
    );
    const key = await new SecretSigningKey({ client: sdk(first.url), secretId: arn }).get();
    expect(key.length).toBeGreaterThanOrEqual(32);
    expect((statSync(join(dataDir, SECRETS_FILE)).mode & 0o777).toString(8)).toBe('600');
    await first.close();
    servers.length = 0;

    const second = await start(dataDir);
    expect(second.arnOf('local-unsubscribe-signing-key')).toBe(arn);
    const again = await new SecretSigningKey({ client: sdk(second.url), secretId: arn }).get();
    expect(again.equals(key)).toBe(true);
    expect(JSON.parse(readFileSync(join(dataDir, SECRETS_FILE), 'utf8'))).toHaveLength(1);
  });

  it('answers an unknown secret with ResourceNotFoundException and other actions with InvalidRequestException', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cas-secrets-'));
    dirs.push(dataDir);
    const server = await start(dataDir);
    await expect(sdk(server.url).send(new GetSecretValueCommand({ SecretId: 'nope' }))).rejects.toMatchObject(
      {
        name: 'ResourceNotFoundException',
      },
    );
    await expect(sdk(server.url).send(new ListSecretsCommand({}))).rejects.toMatchObject({
      name: 'InvalidRequestException',
    });
  });
});
