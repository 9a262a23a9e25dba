/**
 * SigningKey from an AWS Secrets Manager secret (made at deploy time with a generated value: infra/stacks/
 * stateful.ts), read through Powertools Parameters, which caches it for `maxAgeSeconds` so a warm function reads it
 * once in a while rather than per message. The secret's string (at least 32 characters) is the HMAC key's bytes.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { MIN_KEY_BYTES } from '#domain/unsubscribe.ts';
import type { SigningKey } from '#ports/index.ts';

export interface SecretSigningKeyOptions {
  client: SecretsManagerClient;
  /** The secret's ARN or name. */
  secretId: string;
  /** How long a read value is kept (default 300 s). */
  maxAgeSeconds?: number;
}

export class SecretSigningKey implements SigningKey {
  readonly #provider: SecretsProvider;
  readonly #secretId: string;
  readonly #maxAge: number;

  constructor(options: SecretSigningKeyOptions) {
    this.#provider = new SecretsProvider({ awsSdkV3Client: options.client });
    this.#secretId = options.secretId;
    this.#maxAge = options.maxAgeSeconds ?? 300;
  }

  async get(): Promise<Buffer> {
    const value = await this.#provider.get(this.#secretId, { maxAge: this.#maxAge });
    if (typeof value !== 'string' || Buffer.byteLength(value) < 2 * MIN_KEY_BYTES) {
      throw new Error(
        `The unsubscribe signing secret ${this.#secretId} must hold a string of 32 characters or more`,
      );
    }
    return Buffer.from(value, 'utf8');
  }
}
