/**
 * `npm start` on one data folder across restarts: demo data seeded once into an empty folder, everything kept
 * over a clean stop and over a SIGKILL of the runtime process (whose JVM does not outlive it), the SES journal
 * included. Runs `node local/main.ts` as a child process, as a developer does.
 */
import { rmSync } from 'node:fs';
import { SESv2Client, SendEmailCommand, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_AUDIENCE_NAME, DEMO_DELIVERY_LABEL } from '#local/seed/demo-data.ts';
import { client, jvmPids, type RuntimeProcess, startRuntimeProcess } from '#test/helpers/runtime.ts';

const SIM = 'simulator.amazonses.com';

describe('the local runtime across restarts', () => {
  let runtime: RuntimeProcess | undefined;
  let dataDir = '';

  afterAll(async () => {
    await runtime?.stop();
    if (dataDir) {
      expect(jvmPids(dataDir)).toEqual([]);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  const deliveries = async (token: string) => {
    const c = client(runtime!.url);
    const r = await c.api('GET', '/deliveries', {}, { token });
    expect(r.status).toBe(200);
    return r.body.items as Array<{ id: string; label: string; state: string }>;
  };

  it('seeds demo data into an empty data folder, through the API', async () => {
    runtime = await startRuntimeProcess();
    dataDir = runtime.dataDir;
    expect(runtime.output()).toMatch(/Seeded 300 demo profiles/);
    expect(runtime.output()).toMatch(/STARTER=\$\(curl -s -X POST http:\/\/127\.0\.0\.1:\d+\/local\/sign-in/);
    expect(runtime.output()).toMatch(/PREPARER=\$\(curl/);

    const c = client(runtime.url);
    const token = await c.signIn('stella', ['start-deliveries']);
    const items = await deliveries(token);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ label: DEMO_DELIVERY_LABEL, state: 'editing' });

    const delivery = await c.api('GET', '/deliveries/{id}', { id: items[0]!.id }, { token });
    const audience = await c.api('GET', '/audiences/{id}', { id: delivery.body.audienceId }, { token });
    expect(audience.body).toMatchObject({ name: DEMO_AUDIENCE_NAME, memberCount: 300 });
    const profile = await c.api('GET', '/profiles/{id}', { id: 'demo-001' }, { token });
    expect(profile.body.email).toBe(`success+1@${SIM}`);
  });

  it('keeps the data over a clean restart and does not seed again', async () => {
    const c = client(runtime!.url);
    const token = await c.signIn('stella', ['start-deliveries']);
    const before = await deliveries(token);
    const audienceId = (await c.api('GET', '/deliveries/{id}', { id: before[0]!.id }, { token })).body
      .audienceId;
    const kept = await c.api(
      'POST',
      '/deliveries',
      {},
      {
        token,
        body: {
          label: 'Kept over restarts',
          content: { from: 'news@example.com', subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' },
          audienceId,
        },
      },
    );
    expect(kept.status).toBe(201);

    await runtime!.stop();
    expect(jvmPids(dataDir)).toEqual([]);
    runtime = await startRuntimeProcess({ dataDir });
    expect(runtime.output()).not.toMatch(/Seeded/);

    // A token signed before the restart still verifies: the key lives in the data folder.
    const after = await deliveries(token);
    expect(after.map((d) => d.label).sort()).toEqual([DEMO_DELIVERY_LABEL, 'Kept over restarts'].sort());
  });

  it('keeps the data and the SES journal after a SIGKILL of the runtime process', async () => {
    const c = client(runtime!.url);
    const token = await c.signIn('stella', ['start-deliveries']);
    const endpoints = (await c.request('GET', '/local/endpoints')).body;
    const ses = new SESv2Client({
      region: 'us-east-1',
      endpoint: endpoints.ses,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    const send = () =>
      ses.send(
        new SendEmailCommand({
          FromEmailAddress: 'news@example.com',
          Destination: { ToAddresses: [`success+1@${SIM}`] },
          ConfigurationSetName: 'confirm-and-send',
          EmailTags: [{ Name: 'deliveryId', Value: 'persisted' }],
          Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hi' } } } },
        }),
      );
    const faults = await c.request('POST', '/local/ses/faults', { body: { throttle: 1 } });
    expect(faults.body).toEqual({ throttle: 1, lostAnswers: 0 });
    await expect(send()).rejects.toBeInstanceOf(TooManyRequestsException);
    const { MessageId } = await send();

    const created = await c.api(
      'POST',
      '/deliveries',
      {},
      {
        token,
        body: {
          label: 'Written just before the SIGKILL',
          content: { from: 'news@example.com', subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' },
          audienceId: (
            await c.api('GET', '/deliveries/{id}', { id: (await deliveries(token))[0]!.id }, { token })
          ).body.audienceId,
        },
      },
    );
    expect(created.status).toBe(201);

    await runtime!.kill();
    expect(jvmPids(dataDir)).toEqual([]);
    runtime = await startRuntimeProcess({ dataDir });
    expect(runtime.output()).not.toMatch(/Seeded/);

    const labels = (await deliveries(token)).map((d) => d.label);
    expect(labels).toContain('Written just before the SIGKILL');
    expect(labels.filter((l) => l === DEMO_DELIVERY_LABEL)).toHaveLength(1);

    const journal = (await client(runtime.url).request('GET', '/local/ses/journal')).body.items as Array<{
      outcome: string;
      messageId: string | null;
      tags: unknown;
    }>;
    expect(journal.map((e) => e.outcome)).toEqual(['throttled', 'sent']);
    expect(journal[1]).toMatchObject({
      messageId: MessageId,
      tags: [{ name: 'deliveryId', value: 'persisted' }],
    });
  });
});
