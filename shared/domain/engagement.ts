/**
 * Human or machine: every open and click SES reports is classified from its user agent, its IP address and its
 * timing, so the Deployment block can show open rate and CTR from human events beside the all-events figures
 * (peers.md section 10, item 5: "filter proxies/scanners/prefetch without dropping real opens").
 *
 * The rules, first match wins (ENGAGEMENT_RULES; each names its source):
 *
 * 1. `gmail-image-proxy` → human. Gmail fetches images through its proxy (user agent "… (via ggpht.com
 *    GoogleImageProxy)") when the reader opens the message, caching them afterwards: one real open, with
 *    Google's address instead of the reader's. Filtering it is the over-filtering Mautic users complained of
 *    (Mautic #16069, peers.md); WURFL reclassified it from robot to e-mail client in 2018 (ScientiaMobile, "What
 *    is Google Image Proxy?"; Word to the Wise, "Gmail deploys image proxy servers", 2013).
 * 2. `apple-mpp` → machine. Apple Mail Privacy Protection (iOS 15 / macOS 12 on) downloads every remote image of
 *    every message through Apple's proxies when the message reaches the device, opened or not. Its requests carry
 *    the bare user agent "Mozilla/5.0" (nothing after it), from Apple's relay addresses (17.0.0.0/8 among them)
 *    (SocketLabs, "Identifying Apple MPP opens"; Word to the Wise, "Apple MPP", 2021). A bare "Mozilla/5.0"
 *    from an Apple address is MPP whatever the event; from elsewhere the bare user agent alone still is, since no
 *    real browser or mail client sends it.
 * 3. `scanner-user-agent` → machine. Security gateways and link checkers name themselves (Barracuda, Proofpoint,
 *    Mimecast, Cisco IronPort, Trend Micro, Fortinet, Sophos, Symantec/MessageLabs, Microsoft Safe Links), and so
 *    do crawlers, previewers and HTTP libraries (bot, crawler, spider, preview, curl, wget, python-requests,
 *    Go-http-client, okhttp, Java, headless browsers) (live-direct-marketing.online, "Bot clicks from security
 *    scanners: a field guide"; Suped, "Which corporate filter appliances follow links").
 * 4. `no-user-agent` → machine: mail clients and browsers always send one; scanners often send none.
 * 5. `click-too-fast` → machine: a click less than CLICK_MIN_HUMAN_SECONDS after the message was delivered (its
 *    Delivery event, or its send when no Delivery is known yet). Gateways click every link as the message passes
 *    through; people read first ("What fraction of clicks happen within 5 seconds of delivery? Humans are not that
 *    fast": the same field guide; Arternal, "clickthroughs triggered by email security scanners").
 * 6. otherwise `mail-client` → human.
 *
 * Not used: the IP alone (a reader on a corporate VPN shares a scanner's network) and opens by timing (a reader
 * with notifications on opens within seconds, and MPP is caught by rule 2). Pure code: no AWS imports.
 */

export type EngagementKind = 'open' | 'click';
export type Classification = 'human' | 'machine';

export interface EngagementFacts {
  kind: EngagementKind;
  userAgent?: string | undefined;
  ipAddress?: string | undefined;
  /** When the open or click happened. */
  at: string;
  /** When the message was delivered (Delivery event), if known. */
  deliveredAt?: string | undefined;
  /** When SES accepted the message. */
  sentAt?: string | undefined;
}

export interface EngagementVerdict {
  classification: Classification;
  /** The rule that decided (ENGAGEMENT_RULES ids, or `mail-client`). */
  rule: string;
}

/** Humans do not read a message and click a link in it within this many seconds of its delivery. */
export const CLICK_MIN_HUMAN_SECONDS = 5;

const APPLE_NETWORK = /^17\./; // 17.0.0.0/8, Apple's own

const SCANNERS =
  /barracuda|proofpoint|mimecast|ironport|cisco|trend ?micro|\btmes\b|fortinet|fortimail|sophos|symantec|messagelabs|safelinks|\bbot\b|bot\/|[a-z]bot\b|crawler|spider|preview|curl\/|wget|python-requests|python-urllib|go-http-client|okhttp|java\/|libwww|headlesschrome|phantomjs|scanner/i;

export interface EngagementRule {
  id: string;
  classification: Classification;
  /** Where the rule comes from (also in this module's header). */
  source: string;
  matches(facts: EngagementFacts): boolean;
}

const seconds = (from: string | undefined, to: string): number | null => {
  if (!from) return null;
  const a = Date.parse(from);
  const b = Date.parse(to);
  return Number.isNaN(a) || Number.isNaN(b) ? null : (b - a) / 1000;
};

export const ENGAGEMENT_RULES: readonly EngagementRule[] = [
  {
    id: 'gmail-image-proxy',
    classification: 'human',
    source:
      'Gmail image proxy fetches on open (Word to the Wise 2013; ScientiaMobile/WURFL 2018; Mautic #16069)',
    matches: (f) => f.kind === 'open' && /GoogleImageProxy/i.test(f.userAgent ?? ''),
  },
  {
    id: 'apple-mpp',
    classification: 'machine',
    source:
      'Apple Mail Privacy Protection prefetch, user agent "Mozilla/5.0" (SocketLabs; Word to the Wise 2021)',
    matches: (f) =>
      (f.userAgent ?? '').trim() === 'Mozilla/5.0' ||
      (APPLE_NETWORK.test(f.ipAddress ?? '') && /^Mozilla\/5\.0\s*$/.test(f.userAgent ?? '')),
  },
  {
    id: 'scanner-user-agent',
    classification: 'machine',
    source:
      'Security gateways, link checkers, crawlers and HTTP libraries name themselves (bot-click field guides)',
    matches: (f) => SCANNERS.test(f.userAgent ?? ''),
  },
  {
    id: 'no-user-agent',
    classification: 'machine',
    source: 'Mail clients and browsers always send a user agent',
    matches: (f) => (f.userAgent ?? '').trim() === '',
  },
  {
    id: 'click-too-fast',
    classification: 'machine',
    source: `Clicks within ${CLICK_MIN_HUMAN_SECONDS} s of delivery are scanners ("humans are not that fast")`,
    matches: (f) => {
      if (f.kind !== 'click') return false;
      const gap = seconds(f.deliveredAt ?? f.sentAt, f.at);
      return gap !== null && gap < CLICK_MIN_HUMAN_SECONDS;
    },
  },
];

/** Classifies one open or click: the first rule that matches, else a human reading in a mail client. */
export const classifyEngagement = (facts: EngagementFacts): EngagementVerdict => {
  const rule = ENGAGEMENT_RULES.find((r) => r.matches(facts));
  return rule
    ? { classification: rule.classification, rule: rule.id }
    : { classification: 'human', rule: 'mail-client' };
};
