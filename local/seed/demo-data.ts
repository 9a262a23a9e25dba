/**
 * Demo data for a fresh data folder, written through the real HTTP API (the local front, a token signed for a
 * seeding user with the prepare-deliveries role), so it goes through the same handlers, validation and adapters
 * as a console's requests:
 * - 300 profiles on mailbox-simulator addresses: `success+N@` (most), `bounce+N@`, `ooto+N@`, `complaint+N@`,
 *   `suppressionlist+N@simulator.amazonses.com`, two with no address, one opted out and one duplicate address;
 * - the audience "Demo audience" with all of them;
 * - the delivery "Spring newsletter (demo)", in editing, ready to be prepared.
 * Re-running it is harmless: profiles have fixed ids and the creating POSTs carry fixed Idempotency-Keys, so a
 * seed cut short by a crash is finished on the next start without duplicates.
 */
import type { Identity } from '#local/cognito/identity.ts';

export const SEED_USER = 'demo-seeder';
export const DEMO_AUDIENCE_NAME = 'Demo audience';
export const DEMO_DELIVERY_LABEL = 'Spring newsletter (demo)';

export interface SeedProfile {
  id: string;
  email?: string;
  firstName: string;
  lastName: string;
  timeZone: string;
  optOut?: boolean;
}

export interface SeedResult {
  profiles: number;
  audienceId: string;
  deliveryId: string;
}

const FIRST = [
  'Ada',
  'Bruno',
  'Chloé',
  'Diego',
  'Emma',
  'Farid',
  'Greta',
  'Hugo',
  'Inès',
  'Jonas',
  'Keiko',
  'Lena',
];
const LAST = [
  'Martin',
  'Bernard',
  'Dubois',
  'Rossi',
  'Müller',
  'García',
  'Kowalski',
  'Silva',
  'Nguyen',
  'Okafor',
];
const ZONES = ['Europe/Paris', 'Europe/London', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney'];
const SIMULATOR = 'simulator.amazonses.com';

/** The demo profiles, in a fixed order with fixed ids. */
export const demoProfiles = (): SeedProfile[] => {
  const kinds: Array<[label: string, count: number]> = [
    ['success', 256],
    ['bounce', 15],
    ['ooto', 10],
    ['complaint', 10],
    ['suppressionlist', 5],
  ];
  const profiles: SeedProfile[] = [];
  const person = (n: number) => ({
    id: `demo-${String(n).padStart(3, '0')}`,
    firstName: FIRST[n % FIRST.length]!,
    lastName: LAST[(n * 7) % LAST.length]!,
    timeZone: ZONES[n % ZONES.length]!,
  });
  for (const [label, count] of kinds) {
    for (let i = 1; i <= count; i += 1)
      profiles.push({ ...person(profiles.length + 1), email: `${label}+${i}@${SIMULATOR}` });
  }
  profiles.push({ ...person(profiles.length + 1) }, { ...person(profiles.length + 2) });
  profiles.push({ ...person(profiles.length + 1), email: `success+opted-out@${SIMULATOR}`, optOut: true });
  profiles.push({ ...person(profiles.length + 1), email: `SUCCESS+1@${SIMULATOR.toUpperCase()}` });
  return profiles;
};

export const DEMO_CONTENT = {
  from: 'Demo Shop <news@example.com>',
  subject: 'Spring is here',
  html: '<h1>Spring is here</h1><p>Our new collection is out. <a href="https://example.com/spring">See it</a>.</p>',
  text: 'Spring is here. Our new collection is out: https://example.com/spring',
};

const call = async (
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body: unknown,
  idempotencyKey?: string,
): Promise<Record<string, unknown>> => {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Seeding failed: ${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
};

/** Seeds the demo data through the HTTP API at `baseUrl`. */
export const seedDemoData = async (baseUrl: string, identity: Identity): Promise<SeedResult> => {
  const token = await identity.signIn(SEED_USER, ['prepare-deliveries']);
  const profiles = demoProfiles();
  await call(baseUrl, token, 'POST', '/profiles:batch', { profiles });
  const audience = await call(
    baseUrl,
    token,
    'POST',
    '/audiences',
    { name: DEMO_AUDIENCE_NAME },
    'seed-demo-audience',
  );
  const audienceId = String(audience.id);
  await call(baseUrl, token, 'POST', `/audiences/${encodeURIComponent(audienceId)}/members:batch`, {
    profileIds: profiles.map((p) => p.id),
  });
  const delivery = await call(
    baseUrl,
    token,
    'POST',
    '/deliveries',
    { label: DEMO_DELIVERY_LABEL, content: DEMO_CONTENT, audienceId },
    'seed-demo-delivery',
  );
  return { profiles: profiles.length, audienceId, deliveryId: String(delivery.id) };
};
