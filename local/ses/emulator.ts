/** The SES v2 emulator (aws-ses-v2-local), in memory, and the account its GetAccount answers. */
import type { Server as HttpServer } from 'node:http';
import { createRequire } from 'node:module';

const HOST = '127.0.0.1';
const require = createRequire(import.meta.url);

export interface SesQuota {
  max24HourSend: number;
  maxSendRate: number;
  /** What GetAccount reports as sent in the last 24 hours (default 0). */
  sentLast24Hours?: number;
}

const DEFAULT_SES_QUOTA: SesQuota = { max24HourSend: 1_000_000, maxSendRate: 500 };

/** The max send rate the emulator's GetAccount answers (AWS_SES_ACCOUNT, else the default 500 a second). */
export const localMaxSendRate = (env: NodeJS.ProcessEnv = process.env): number => {
  try {
    const rate = (JSON.parse(env.AWS_SES_ACCOUNT ?? '{}') as { SendQuota?: { MaxSendRate?: unknown } })
      .SendQuota?.MaxSendRate;
    if (typeof rate === 'number' && rate > 0) return rate;
  } catch {
    // not JSON: the emulator would answer its own default
  }
  return DEFAULT_SES_QUOTA.maxSendRate;
};

/** GetAccount of aws-ses-v2-local answers the JSON in AWS_SES_ACCOUNT (read from this process's env per call). */
export const sesAccount = (quota: SesQuota) => ({
  DedicatedIpAutoWarmupEnabled: false,
  Details: {
    AdditionalContactEmailAddresses: [],
    ContactLanguage: 'EN',
    MailType: 'MARKETING',
    ReviewDetails: { CaseId: 'local', Status: 'GRANTED' },
    UseCaseDescription: 'Local emulator',
    WebsiteURL: 'http://localhost',
  },
  EnforcementStatus: 'HEALTHY',
  ProductionAccessEnabled: true,
  SendingEnabled: true,
  SendQuota: {
    Max24HourSend: quota.max24HourSend,
    MaxSendRate: quota.maxSendRate,
    SentLast24Hours: quota.sentLast24Hours ?? 0,
  },
  SuppressionAttributes: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
});

/**
 * aws-ses-v2-local is CommonJS with `exports.default`; loaded through require() it is the same under Node and
 * under vitest's module runner (whose default-import interop differs).
 */
const { default: startSesServer } = require('aws-ses-v2-local') as {
  default: (config?: { host?: string; port?: number }) => Promise<HttpServer>;
};

/**
 * Starts the emulator on `port`. Its GetAccount reads AWS_SES_ACCOUNT from this process's environment on every call:
 * set here when a quota is given, or when unset (default: 1,000,000 a day, 500 a second).
 */
export const startSesEmulator = async (port: number, quota: SesQuota | undefined) => {
  if (quota || !process.env.AWS_SES_ACCOUNT) {
    process.env.AWS_SES_ACCOUNT = JSON.stringify(sesAccount(quota ?? DEFAULT_SES_QUOTA));
  }
  const server = await startSesServer({ host: HOST, port });
  // Node's default (5 s) has it close idle connections while the SES front's agent may be sending on them; the
  // front's is 65 s too.
  server.keepAliveTimeout = 65_000;
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('SES emulator has no address');
  return {
    endpoint: `http://${HOST}:${address.port}`,
    stop: async () => {
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await closed;
    },
  };
};
