/**
 * SES's mailbox simulator, as the local event simulator plays it: what happens to each address
 * (`<local>[+label]@simulator.amazonses.com`, case-insensitive), the events of an accepted message in publishing
 * order with their delays after the send, and the random engagement (opens, clicks) of demo runs.
 */
import type { SesJournalEntry } from './journal.ts';

/** Where the random demo clicks go. */
export const DEMO_LINK = 'https://example.com/spring-newsletter';
export const SIMULATOR_DOMAIN = 'simulator.amazonses.com';
/** The events the simulator plans for a message, in publishing order; `open` and `click` may also be tracked. */
export type SimulatedEvent =
  'send' | 'delivery' | 'bounce' | 'bounce-suppressed' | 'auto-reply' | 'complaint' | 'open' | 'click';

/** Delay of each planned event after the message was accepted, before scaling. */
export const EVENT_DELAYS_MS: Record<SimulatedEvent, number> = {
  send: 0,
  delivery: 300,
  bounce: 600,
  'bounce-suppressed': 600,
  'auto-reply': 900,
  complaint: 1200,
  open: 2000,
  click: 3000,
};

export type MailboxScenario = 'success' | 'bounce' | 'ooto' | 'complaint' | 'suppressionlist' | 'other';

const SIMULATOR_ADDRESS = /^([^@+]+)(?:\+[^@]*)?@simulator\.amazonses\.com$/i;
const SCENARIOS = new Set<MailboxScenario>(['success', 'bounce', 'ooto', 'complaint', 'suppressionlist']);

/** The bare address of `Name <a@b>` or `a@b`. */
export const bareAddress = (value: string): string => {
  const angled = /<([^<>]+)>\s*$/.exec(value);
  return (angled ? angled[1]! : value).trim();
};

/** What the mailbox simulator does with an address (`+label` honoured, case-insensitive); `other` delivers. */
export const scenarioOf = (address: string): MailboxScenario => {
  const local = SIMULATOR_ADDRESS.exec(bareAddress(address))?.[1]?.toLowerCase();
  return local && SCENARIOS.has(local as MailboxScenario) ? (local as MailboxScenario) : 'other';
};

export interface Engagement {
  open: boolean;
  click: boolean;
}

export interface PlannedEvent {
  event: SimulatedEvent;
  delayMs: number;
  /** The recipients the record names (a Send names the whole destination). */
  recipients: string[];
}

/** Every recipient of a message: SES's `mail.destination` lists To, Cc and Bcc. */
export const recipientsOf = (entry: Pick<SesJournalEntry, 'destination'>): string[] => [
  ...entry.destination.to,
  ...entry.destination.cc,
  ...entry.destination.bcc,
];

/** The events of one accepted message, in publishing order. */
export const planEvents = (
  entry: Pick<SesJournalEntry, 'destination'>,
  engagement: Engagement = { open: false, click: false },
): PlannedEvent[] => {
  const recipients = recipientsOf(entry);
  const having = (...scenarios: MailboxScenario[]) =>
    recipients.filter((r) => scenarios.includes(scenarioOf(r)));
  const delivered = having('success', 'ooto', 'complaint', 'other');
  const steps: Array<[SimulatedEvent, string[]]> = [
    ['send', recipients],
    ['delivery', delivered],
    ['bounce', having('bounce')],
    ['bounce-suppressed', having('suppressionlist')],
    ['auto-reply', having('ooto')],
    ['complaint', having('complaint')],
    ['open', engagement.open || engagement.click ? delivered : []],
    ['click', engagement.click ? delivered : []],
  ];
  return steps
    .filter(([event, names]) => event === 'send' || names.length > 0)
    .map(([event, names]) => ({ event, delayMs: EVENT_DELAYS_MS[event], recipients: names }));
};

/**
 * The random engagement of a message that was delivered to someone: one draw, so that clicks are a subset of
 * opens (a click implies an open): opened with probability max(open, click) rate, clicked with the click rate.
 */
export const drawEngagement = (
  rates: { openRate: number; clickRate: number },
  random: () => number,
): Engagement => {
  if (rates.openRate <= 0 && rates.clickRate <= 0) return { open: false, click: false };
  const u = random();
  return { open: u < Math.max(rates.openRate, rates.clickRate), click: u < rates.clickRate };
};
