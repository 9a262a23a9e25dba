/**
 * The deliverability rules of the domain: unsubscribe tokens, the human/machine classifier on recorded user agents
 * and timings, human KPIs beside the all-events ones, the reputation guard's verdict, the resend causes.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { guardPauseDelivery, resumeDelivery, statusText } from '#domain/delivery.ts';
import { classifyEngagement, CLICK_MIN_HUMAN_SECONDS, ENGAGEMENT_RULES } from '#domain/engagement.ts';
import { computeKpis, recount } from '#domain/kpis.ts';
import { DEFAULT_GUARD_THRESHOLDS, guardVerdict } from '#domain/reputation.ts';
import { IN_DOUBT_FAILURE, resendCause } from '#domain/resend.ts';
import { signUnsubscribeToken, unsubscribeHeaders, verifyUnsubscribeToken } from '#domain/unsubscribe.ts';
import { starter } from '#test/helpers/actors.ts';
import { later, readyDelivery } from '#test/helpers/deliveries.ts';

const key = randomBytes(32);
const subject = { kind: 'recipient', deliveryId: 'd-1', version: 3, recipientId: 'p-42' } as const;

describe('unsubscribe tokens', () => {
  it('name the delivery, version and recipient, or a proof, and verify under the same key', () => {
    expect(verifyUnsubscribeToken(key, signUnsubscribeToken(key, subject))).toEqual(subject);
    const proof = { kind: 'proof', deliveryId: 'd-1', proofId: 'lx1-abc' } as const;
    expect(verifyUnsubscribeToken(key, signUnsubscribeToken(key, proof))).toEqual(proof);
  });

  it('are refused when tampered with: another recipient in the payload, a changed signature, another key', () => {
    const token = signUnsubscribeToken(key, subject);
    const [version, , mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ d: 'd-1', v: 3, r: 'p-43' })).toString('base64url');
    expect(verifyUnsubscribeToken(key, `${version}.${forged}.${mac}`)).toBeNull();
    // Every other last character, those that differ only in the encoding's unused low bits included.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const c of alphabet.replace(token.at(-1)!, ''))
      expect(verifyUnsubscribeToken(key, `${token.slice(0, -1)}${c}`)).toBeNull();
    expect(verifyUnsubscribeToken(randomBytes(32), token)).toBeNull();
    expect(verifyUnsubscribeToken(key, 'u1.e30.short')).toBeNull();
    expect(verifyUnsubscribeToken(key, '')).toBeNull();
  });

  it('refuse a key shorter than 128 bits', () => {
    expect(() => signUnsubscribeToken(Buffer.alloc(8), subject)).toThrow(RangeError);
  });

  it('give the RFC 8058 headers: the HTTPS URL first, then the mailto, and the one-click POST header', () => {
    const token = signUnsubscribeToken(key, subject);
    const headers = unsubscribeHeaders('https://api.example.com/', token, 'unsubscribe@example.com');
    expect(headers['List-Unsubscribe']).toBe(
      `<https://api.example.com/unsubscribe/${token}>, <mailto:unsubscribe@example.com?subject=unsubscribe%20${token}>`,
    );
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(unsubscribeHeaders('https://api.example.com', token)['List-Unsubscribe']).toBe(
      `<https://api.example.com/unsubscribe/${token}>`,
    );
  });
});

/** User agents and timings as SES records them (shapes from SES events and the sources the rules cite). */
const DELIVERED = '2026-11-22T10:00:00.000Z';
const after = (seconds: number) => new Date(Date.parse(DELIVERED) + seconds * 1000).toISOString();
const RECORDED = {
  gmail: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
  appleMpp: 'Mozilla/5.0',
  iphoneMail:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  chrome:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  outlook: 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)',
  barracuda: 'Mozilla/5.0 (compatible; Barracuda Sentinel link scanner)',
  proofpoint: 'Proofpoint URL Defense',
  bingPreview:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) BingPreview/1.0b',
  python: 'python-requests/2.31.0',
  curl: 'curl/8.5.0',
};

describe('the human/machine classifier', () => {
  const open = (userAgent: string | undefined, ipAddress?: string) =>
    classifyEngagement({ kind: 'open', userAgent, ipAddress, at: after(3600), deliveredAt: DELIVERED });
  const click = (userAgent: string, seconds: number, deliveredAt: string | undefined = DELIVERED) =>
    classifyEngagement({ kind: 'click', userAgent, at: after(seconds), deliveredAt, sentAt: after(-2) });

  it('counts Gmail image proxy opens as human: Gmail fetches when the reader opens', () => {
    expect(open(RECORDED.gmail, '66.249.84.1')).toEqual({
      classification: 'human',
      rule: 'gmail-image-proxy',
    });
  });

  it('counts Apple Mail Privacy Protection prefetches as machine, from Apple or elsewhere', () => {
    expect(open(RECORDED.appleMpp, '17.58.100.7')).toEqual({ classification: 'machine', rule: 'apple-mpp' });
    expect(open(RECORDED.appleMpp, '104.28.1.1').rule).toBe('apple-mpp');
    // An iPhone's own Mail user agent from an Apple address is a reader (MPP off).
    expect(open(RECORDED.iphoneMail, '17.58.100.7')).toEqual({
      classification: 'human',
      rule: 'mail-client',
    });
  });

  it('counts security gateways, previewers, HTTP libraries and empty user agents as machine', () => {
    for (const ua of [
      RECORDED.barracuda,
      RECORDED.proofpoint,
      RECORDED.bingPreview,
      RECORDED.python,
      RECORDED.curl,
    ])
      expect(open(ua)).toEqual({ classification: 'machine', rule: 'scanner-user-agent' });
    expect(open(undefined)).toEqual({ classification: 'machine', rule: 'no-user-agent' });
    expect(open('  ')).toEqual({ classification: 'machine', rule: 'no-user-agent' });
  });

  it('counts browsers and mail clients as human', () => {
    for (const ua of [RECORDED.chrome, RECORDED.outlook, RECORDED.iphoneMail])
      expect(open(ua)).toEqual({ classification: 'human', rule: 'mail-client' });
  });

  it(`counts a click within ${CLICK_MIN_HUMAN_SECONDS} s of delivery as a scanner, a later one as a reader`, () => {
    expect(click(RECORDED.chrome, 2)).toEqual({ classification: 'machine', rule: 'click-too-fast' });
    expect(click(RECORDED.chrome, CLICK_MIN_HUMAN_SECONDS - 0.5).rule).toBe('click-too-fast');
    expect(click(RECORDED.chrome, CLICK_MIN_HUMAN_SECONDS)).toEqual({
      classification: 'human',
      rule: 'mail-client',
    });
    expect(click(RECORDED.chrome, 45).classification).toBe('human');
    // No Delivery yet: timed from the send.
    expect(click(RECORDED.chrome, 1, undefined).rule).toBe('click-too-fast');
    // An open within seconds is not judged by time (a reader with notifications on).
    expect(
      classifyEngagement({ kind: 'open', userAgent: RECORDED.chrome, at: after(1), deliveredAt: DELIVERED })
        .rule,
    ).toBe('mail-client');
  });

  it('documents every rule with its source', () => {
    for (const rule of ENGAGEMENT_RULES) expect(rule.source.length).toBeGreaterThan(20);
  });
});

describe('human KPIs', () => {
  it('sit beside the all-events ones, which keep their values', () => {
    const facts = [
      // a reader who opened twice and clicked once
      { status: 'delivered', hasMessageId: true, opens: 2, clicks: 1, humanOpens: 2, humanClicks: 1 },
      // Apple MPP only: an open, no human one
      { status: 'delivered', hasMessageId: true, opens: 1, clicks: 0, humanOpens: 0, humanClicks: 0 },
      // a scanner clicked and a reader clicked later without an open event: one implicit human open
      { status: 'delivered', hasMessageId: true, opens: 0, clicks: 2, humanOpens: 0, humanClicks: 1 },
      { status: 'delivered', hasMessageId: true, opens: 0, clicks: 0, humanOpens: 0, humanClicks: 0 },
    ] as const;
    const { realTime, tracking } = recount(facts, 4);
    expect(tracking).toEqual({
      opens: 4,
      uniqueOpens: 3,
      clicks: 3,
      uniqueClicks: 2,
      delivered: 4,
      humanOpens: 3,
      uniqueHumanOpens: 2,
      humanClicks: 2,
      uniqueHumanClicks: 2,
    });
    const kpis = computeKpis(realTime, tracking);
    expect(kpis).toMatchObject({
      openRate: 0.75,
      clickThroughRate: 0.5,
      humanOpenRate: 0.5,
      humanClickThroughRate: 0.5,
    });
  });
});

describe('the reputation guard', () => {
  const t = DEFAULT_GUARD_THRESHOLDS;

  it('waits for 200 processed, then pauses above a 4 % bounce rate', () => {
    expect(guardVerdict({ processed: 199, bounces: 100, complaints: 0 }, t)).toBeNull();
    expect(guardVerdict({ processed: 200, bounces: 8, complaints: 0 }, t)).toBeNull(); // exactly 4 %
    const verdict = guardVerdict({ processed: 200, bounces: 9, complaints: 0 }, t);
    expect(verdict?.rule).toBe('bounce-rate');
    expect(verdict?.reason).toBe(
      'Reputation guard: bounce rate 4.5 % (9 hard bounces of 200 processed) is above 4 %',
    );
  });

  it('pauses above a 0.08 % complaint rate', () => {
    expect(guardVerdict({ processed: 2500, bounces: 0, complaints: 2 }, t)).toBeNull(); // 0.08 %
    expect(guardVerdict({ processed: 2500, bounces: 0, complaints: 3 }, t)?.rule).toBe('complaint-rate');
  });

  it('never judges bounces against a Processed count that lags them (every bounce and complaint was processed)', () => {
    // The senders flush Processed once per invocation: a batch of bounces can be ingested before it moves.
    const lagging = { ...t, minProcessed: 5 };
    const verdict = guardVerdict({ processed: 5, bounces: 14, complaints: 0 }, lagging);
    expect(verdict?.reason).toBe(
      'Reputation guard: bounce rate 100 % (14 hard bounces of 14 processed) is above 4 %',
    );
    expect(verdict?.totals.processed).toBe(14);
    // Below the minimum once counted right: nothing to judge yet.
    expect(guardVerdict({ processed: 2, bounces: 3, complaints: 1 }, lagging)).toBeNull();
    const both = guardVerdict({ processed: 3, bounces: 3, complaints: 3 }, { ...lagging, bounceRate: 1 });
    expect(both?.reason).toContain('3 complaints of 6 processed');
  });

  it('does not pause a clean send', () => {
    expect(guardVerdict({ processed: 10_000, bounces: 120, complaints: 3 }, t)).toBeNull();
  });

  it('judges only what happened since its last pause once resumed', () => {
    const baseline = { processed: 200, bounces: 20, complaints: 0 };
    expect(guardVerdict({ processed: 300, bounces: 22, complaints: 0 }, t, baseline)).toBeNull();
    expect(guardVerdict({ processed: 400, bounces: 28, complaints: 0 }, t, baseline)).toBeNull(); // 8 of 200 = 4 %
    const again = guardVerdict({ processed: 400, bounces: 29, complaints: 0 }, t, baseline);
    expect(again?.reason).toContain('9 hard bounces of 200 processed since the last resume');
  });

  it('pauses with the reason in the history and the status text; a resume clears the text, keeps the baseline', () => {
    const sending = { ...readyDelivery(), state: 'sending' as const };
    const totals = { processed: 250, bounces: 13, complaints: 0 };
    const paused = guardPauseDelivery(sending, 'Reputation guard: bounce rate 5.2 %', totals, later(5)).next;
    expect(paused.state).toBe('paused');
    expect(paused.history.at(-1)).toMatchObject({
      action: 'guard-pause',
      by: { system: 'reputation-guard' },
      reason: 'Reputation guard: bounce rate 5.2 %',
    });
    expect(statusText(paused)).toBe('Paused: Reputation guard: bounce rate 5.2 %');
    const resumed = resumeDelivery(paused, starter, later(6)).next;
    expect(resumed.state).toBe('sending');
    expect(resumed.pauseReason).toBeUndefined();
    expect(resumed.reputationBaseline).toEqual(totals);
    expect(statusText(resumed)).toBe('Sending');
  });
});

describe('resend causes', () => {
  it('target soft failures, canceled and in-doubt past the window; nothing else', () => {
    expect(resendCause({ status: 'failed', failureType: 'soft' })).toBe('soft-bounce');
    expect(resendCause({ status: 'canceled' })).toBe('canceled');
    expect(resendCause({ status: 'failed', failureType: 'error', failureReason: IN_DOUBT_FAILURE })).toBe(
      'in-doubt-expired',
    );
    for (const entry of [
      { status: 'failed', failureType: 'hard' },
      {
        status: 'failed',
        failureType: 'error',
        failureReason: 'MessageRejected: Email address is not verified',
      },
      { status: 'in-doubt' },
      { status: 'delivered' },
      { status: 'sent' },
      { status: 'pending' },
    ])
      expect(resendCause(entry)).toBeNull();
  });
});
