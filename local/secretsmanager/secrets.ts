/**
 * AWS Secrets Manager, as far as the functions use it: `GetSecretValue` over its JSON 1.1 wire protocol
 * (`X-Amz-Target: secretsmanager.GetSecretValue`), for the secrets the embedded runtime makes on its first start
 * (what CloudFormation makes at deploy time in AWS: a generated value, never in the repository). No npm emulator
 * serves Secrets Manager; the real `@aws-sdk/client-secrets-manager` (through Powertools Parameters) talks to
 * this one as it does to AWS.
 *
 * Secrets live in `<data folder>/secrets.json` (mode 0600), made once with 48 random bytes each and kept across
 * restarts, so links signed before a restart still verify after it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export const SECRETS_FILE = 'secrets.json';

interface StoredSecret {
  name: string;
  arn: string;
  value: string;
  versionId: string;
  createdAt: number;
}

export interface LocalSecretsManager {
  readonly url: string;
  /** The ARN of a secret, made (with a generated value) on first use. */
  arnOf(name: string): string;
  close(): Promise<void>;
}

const readAll = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export const startLocalSecretsManager = async (options: {
  dataDir: string;
  region: string;
  accountId: string;
  /** Secrets to make now if they are missing. */
  names: readonly string[];
}): Promise<LocalSecretsManager> => {
  const file = join(options.dataDir, SECRETS_FILE);
  const secrets: StoredSecret[] = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as StoredSecret[])
    : [];
  const save = () => writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  const ensure = (name: string): StoredSecret => {
    const found = secrets.find((s) => s.name === name);
    if (found) return found;
    const secret: StoredSecret = {
      name,
      arn: `arn:aws:secretsmanager:${options.region}:${options.accountId}:secret:${name}-${randomBytes(3).toString('hex')}`,
      value: randomBytes(48).toString('base64url'),
      versionId: randomUUID(),
      createdAt: Math.floor(Date.now() / 1000),
    };
    secrets.push(secret);
    save();
    return secret;
  };
  for (const name of options.names) ensure(name);

  const answer = (response: ServerResponse, status: number, body: unknown, errorType?: string) => {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      'content-length': String(Buffer.byteLength(text)),
    });
    response.end(text);
  };
  const error = (response: ServerResponse, status: number, type: string, message: string) =>
    answer(response, status, { __type: type, message }, type);

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const text = await readAll(request);
    if (request.method !== 'POST' || target !== 'secretsmanager.GetSecretValue') {
      return error(
        response,
        400,
        'InvalidRequestException',
        `Only GetSecretValue is served locally, not ${target}`,
      );
    }
    let input: { SecretId?: unknown };
    try {
      input = JSON.parse(text) as { SecretId?: unknown };
    } catch {
      return error(response, 400, 'InvalidParameterException', 'The request body is not valid JSON.');
    }
    const id = typeof input.SecretId === 'string' ? input.SecretId : '';
    const secret = secrets.find((s) => s.arn === id || s.name === id);
    if (!secret)
      return error(
        response,
        400,
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret.",
      );
    return answer(response, 200, {
      ARN: secret.arn,
      Name: secret.name,
      SecretString: secret.value,
      VersionId: secret.versionId,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: secret.createdAt,
    });
  };

  const server = createServer((request, response) => {
    serve(request, response).catch((e: unknown) => {
      if (!response.headersSent) error(response, 500, 'InternalServiceError', (e as Error).message);
      else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arnOf: (name) => ensure(name).arn,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
};
