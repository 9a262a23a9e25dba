/**
 * What a console user does in e2e tests, through the local API (every answer held against the OpenAPI
 * contract): prepare a delivery for some profiles, read it, wait for it to end, read its logs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { assertContract } from './contract.ts';
import { client, waitFor } from './runtime.ts';

export const SIM = 'simulator.amazonses.com';

export const CONTENT = {
  from: 'news@example.com',
  subject: 'Hello {{firstName}}',
  html: '<p>Hi {{firstName}}</p>',
  text: 'Hi',
};

export interface JournalLine {
  outcome: string;
  messageId: string | null;
  destination: { to: string[] };
  tags: Array<{ name: string; value: string }>;
  answerLost?: boolean;
}

export interface SendingLogLine {
  recipientId: string;
  profileId: string;
  email: string;
  status: string;
  failureType?: string;
  failureReason?: string;
  sesMessageId?: string;
  opens?: number;
  clicks?: number;
}

/** Counts by status. */
export const byStatus = (items: Array<{ status: string }>): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const i of items) out[i.status] = (out[i.status] ?? 0) + 1;
  return out;
};

/** Signs in a Start deliveries user and an administrator, and wires the flows on the runtime. */
export const signedInFlows = async (runtime: () => { url: string; dataDir: string }) => {
  const c = client(runtime().url);
  const tokens = {
    starter: await c.signIn('stella', ['start-deliveries']),
    admin: await c.signIn('ada', ['administration']),
  };
  const f = flows(
    c,
    () => tokens,
    () => runtime().dataDir,
  );
  return { c, tokens, f };
};

export const flows = (
  c: ReturnType<typeof client>,
  tokens: () => { starter: string; admin: string },
  dataDir: () => string,
) => {
  let n = 0;
  const get = async (id: string) =>
    (await c.api('GET', '/deliveries/{id}', { id }, { token: tokens().starter })).body;

  /** The SES front's journal lines of one delivery's messages. */
  const journal = (deliveryId: string): JournalLine[] =>
    readFileSync(join(dataDir(), 'ses-journal.ndjson'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as JournalLine)
      .filter((l) => l.tags?.some((t) => t.name === 'delivery' && t.value === deliveryId));

  /** Profiles, an audience and a prepared delivery, `ready`. */
  const prepare = async (profiles: Array<Record<string, unknown>>, label = `Run ${++n}`) => {
    const { starter } = tokens();
    expect((await c.api('POST', '/profiles:batch', {}, { token: starter, body: { profiles } })).status).toBe(
      200,
    );
    const audience = await c.api('POST', '/audiences', {}, { token: starter, body: { name: label } });
    await c.api(
      'POST',
      '/audiences/{id}/members:batch',
      { id: audience.body.id },
      { token: starter, body: { profileIds: profiles.map((p) => p.id as string) } },
    );
    const delivery = await c.api(
      'POST',
      '/deliveries',
      {},
      { token: starter, body: { label, audienceId: audience.body.id, content: CONTENT } },
    );
    const id = delivery.body.id as string;
    expect((await c.api('POST', '/deliveries/{id}/prepare', { id }, { token: starter })).status).toBe(202);
    await waitFor('preparation', async () => (await get(id)).state === 'ready', 60_000);
    return { id, audienceId: audience.body.id as string };
  };

  /** `count` profiles at success+<id>@ simulator addresses, prepared. */
  const prepared = async (count: number, extra: Array<Record<string, unknown>> = []) => {
    const run = ++n;
    const ids = Array.from({ length: count }, (_, i) => `e${run}-${i}-${Date.now()}`);
    const profiles = [...ids.map((id) => ({ id, email: `success+${id}@${SIM}`, firstName: id })), ...extra];
    const { id } = await prepare(profiles, `Run ${run}`);
    return { id, ids, addresses: ids.map((i) => `success+${i}@${SIM}`) };
  };

  const confirm = async (id: string) =>
    (await c.api('POST', '/deliveries/{id}/confirm', { id }, { token: tokens().starter })).body;

  const finished = (id: string, states = ['finished']) =>
    waitFor(`delivery ${id} to end`, async () => states.includes((await get(id)).state), 120_000);

  /** Every page of a list route (`template` names one `{id}`), each held against the contract. */
  const pages = async <T>(template: string, id: string, token = tokens().admin): Promise<T[]> => {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const path = `${template.replace('{id}', encodeURIComponent(id))}?limit=100${query}`;
      const page = await c.request('GET', path, { token });
      assertContract('GET', template, page.status, page.body);
      expect(page.status).toBe(200);
      items.push(...(page.body.items as T[]));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    return items;
  };

  const sendingLog = (id: string) => pages<SendingLogLine>('/deliveries/{id}/sending-logs', id);
  const exclusionLog = (id: string) =>
    pages<{ profileId: string; email: string | null; cause: string }>('/deliveries/{id}/exclusion-logs', id);
  const trackingLog = (id: string) =>
    pages<{ recipientId: string; type: string; link?: string; userAgent?: string }>(
      '/deliveries/{id}/tracking-logs',
      id,
    );
  const history = (profileId: string) =>
    pages<SendingLogLine & { deliveryId: string; sentAt?: string }>(
      '/profiles/{id}/history',
      profileId,
      tokens().starter,
    );

  return {
    get,
    journal,
    prepare,
    prepared,
    confirm,
    finished,
    sendingLog,
    exclusionLog,
    trackingLog,
    history,
  };
};
