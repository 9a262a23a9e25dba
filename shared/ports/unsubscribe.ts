/**
 * The key one-click unsubscribe tokens are signed with (shared/domain/unsubscribe.ts): made at deploy time (a
 * Secrets Manager secret with a generated value), never in the repository, read by the functions that sign (the
 * sender, proofs) or verify (the public unsubscribe route).
 */
export interface SigningKey {
  get(): Promise<Buffer>;
}

/** How the messages' unsubscribe headers are built: the key, the public URL of the API, an optional mailto. */
export interface UnsubscribeConfig {
  key: SigningKey;
  /** Where the public route `/unsubscribe/{token}` is served (the HTTP API's URL, or a custom domain). */
  baseUrl: string;
  /** An address that takes unsubscribe requests by mail (`List-Unsubscribe: <mailto:…>`), if any. */
  mailto?: string | undefined;
}
