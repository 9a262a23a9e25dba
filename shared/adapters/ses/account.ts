/**
 * SendingAccount on SES v2 GetAccount: the account's SendQuota (Max24HourSend, MaxSendRate, SentLast24Hours),
 * kept in memory for 60 s: SES allows about one request a second on its non-send APIs, and the pacing only needs
 * a recent figure. Concurrent callers share one request; a failed request is not cached.
 */
import { GetAccountCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { Clock, SendingAccount, SendingQuota } from '#ports/index.ts';

export interface SesSendingAccountOptions {
  client: SESv2Client;
  /** Time source of the cache (default: the system clock). */
  clock?: Clock;
  /** How long a quota read is reused. Default 60 s. */
  ttlMs?: number;
}

const systemClock: Clock = { now: () => new Date() };

export class SesSendingAccount implements SendingAccount {
  readonly #client: SESv2Client;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  #cached: { quota: SendingQuota; at: number } | null = null;
  #inFlight: Promise<SendingQuota> | null = null;

  constructor(options: SesSendingAccountOptions) {
    this.#client = options.client;
    this.#clock = options.clock ?? systemClock;
    this.#ttlMs = options.ttlMs ?? 60_000;
  }

  async quota(): Promise<SendingQuota> {
    const now = this.#clock.now().getTime();
    if (this.#cached && now - this.#cached.at < this.#ttlMs) return this.#cached.quota;
    this.#inFlight ??= this.#read(now).finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  async #read(at: number): Promise<SendingQuota> {
    const out = await this.#client.send(new GetAccountCommand({}));
    const q = out.SendQuota;
    if (q?.Max24HourSend === undefined || q.MaxSendRate === undefined) {
      throw new Error('SES GetAccount answered without a SendQuota');
    }
    const quota: SendingQuota = {
      max24HourSend: q.Max24HourSend,
      maxSendRate: q.MaxSendRate,
      sentLast24Hours: q.SentLast24Hours ?? 0,
    };
    this.#cached = { quota, at };
    return quota;
  }
}
