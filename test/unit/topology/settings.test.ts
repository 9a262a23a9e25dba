import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { counterSettleMsFromEnv } from '#functions/lib/config.ts';
import { settingsDocument } from '#scripts/settings-doc.ts';
import {
  readSettings,
  type SettingName,
  settings,
  SettingsError,
  settingsFromContext,
  settingsFromEnvironment,
  settingsIn,
} from '#topology/settings.ts';
import { counterSettleSeconds, functionEntries, functions } from '#topology/topology.ts';

describe('the settings schema', () => {
  it('applies defaults: the deployed ones, or the embedded runtime’s where they differ', () => {
    expect(settingsFromEnvironment(['IN_DOUBT_WINDOW_MINUTES', 'LOG_LEVEL'], {})).toEqual({
      IN_DOUBT_WINDOW_MINUTES: 1440,
      LOG_LEVEL: 'INFO',
    });
    expect(settingsFromEnvironment(['IN_DOUBT_WINDOW_MINUTES', 'LOG_LEVEL', 'PORT'], {}, 'local')).toEqual({
      IN_DOUBT_WINDOW_MINUTES: 60,
      LOG_LEVEL: 'WARN',
      PORT: 3000,
    });
  });

  it('parses the text form, trimmed; an empty value is unset', () => {
    const values = settingsFromEnvironment(
      ['SEND_RATE_FRACTION', 'SEND_RATE_LIMIT', 'SEED', 'CORS_ORIGINS', 'LOG_LEVEL'],
      {
        SEND_RATE_FRACTION: ' 0.5 ',
        SEND_RATE_LIMIT: '',
        SEED: 'off',
        CORS_ORIGINS: 'http://a, http://b,',
        LOG_LEVEL: 'debug',
      },
    );
    expect(values).toEqual({
      SEND_RATE_FRACTION: 0.5,
      SEED: false,
      CORS_ORIGINS: ['http://a', 'http://b'],
      LOG_LEVEL: 'DEBUG',
    });
    expect(values.SEND_RATE_LIMIT).toBeUndefined();
  });

  it('names every missing or invalid setting in one error, with what a valid value is', () => {
    const read = () =>
      settingsFromEnvironment(['SES_CONFIGURATION_SET', 'SEND_RATE_FRACTION', 'PORT'], {
        SEND_RATE_FRACTION: '1.5',
        PORT: 'abc',
      });
    expect(read).toThrow(SettingsError);
    expect(read).toThrow(
      'Invalid settings: SES_CONFIGURATION_SET is missing: SES configuration set every message is sent through ' +
        '(it publishes the events); SEND_RATE_FRACTION="1.5" must be a fraction above 0, at most 1; ' +
        'PORT="abc" must be a port number from 0 to 65535 (0 picks a free one)',
    );
  });

  it('reads CDK context by its keys, with the narrower deployed type where there is one', () => {
    const context = (values: Record<string, unknown>) => (key: string) => values[key];
    expect(
      settingsFromContext(
        ['IN_DOUBT_WINDOW_MINUTES', 'SEND_RATE_FRACTION', 'REGION'],
        context({ inDoubtWindowMinutes: 90 }),
      ),
    ).toEqual({ IN_DOUBT_WINDOW_MINUTES: 90, SEND_RATE_FRACTION: 0.8, REGION: 'eu-west-1' });
    // The embedded runtime takes a tenth of a minute (tests); a deployment takes whole minutes only.
    expect(settingsFromEnvironment(['IN_DOUBT_WINDOW_MINUTES'], { IN_DOUBT_WINDOW_MINUTES: '0.1' })).toEqual({
      IN_DOUBT_WINDOW_MINUTES: 0.1,
    });
    expect(() =>
      settingsFromContext(['IN_DOUBT_WINDOW_MINUTES'], context({ inDoubtWindowMinutes: '0.1' })),
    ).toThrow('context inDoubtWindowMinutes="0.1" must be a whole number of minutes, 1 or more');
    expect(() => settingsFromContext(['PORT'], context({}))).toThrow('PORT has no CDK context key');
  });

  it('lets a lookup decide where values come from', () => {
    expect(readSettings(['SES_OPEN_RATE'], () => '0.25')).toEqual({ SES_OPEN_RATE: 0.25 });
  });

  it('declares each setting consistently', () => {
    const contextKeys = new Set<string>();
    for (const name of Object.keys(settings) as SettingName[]) {
      const spec: {
        scope: readonly string[];
        context?: string;
        default?: unknown;
        optional?: true;
        source?: string;
      } = settings[name];
      // A CDK setting has one context key of its own; no other setting has one.
      expect(spec.scope.includes('cdk'), name).toBe(spec.context !== undefined);
      if (spec.context) {
        expect(contextKeys.has(spec.context), name).toBe(false);
        contextKeys.add(spec.context);
      }
      // A resource is filled by CDK and the local runtime: never optional, never defaulted.
      if (spec.source === 'resource')
        expect([spec.default, spec.optional], name).toEqual([undefined, undefined]);
      // Optional means "no value at all": a default would make it never unset.
      if (spec.optional) expect(spec.default, name).toBeUndefined();
    }
  });

  it('holds every setting the topology’s functions list, in the function scope', () => {
    const functionScope = new Set(settingsIn('function'));
    for (const [name, spec] of functionEntries())
      for (const setting of spec.settings ?? [])
        expect(functionScope.has(setting), `${name}: ${setting}`).toBe(true);
  });

  it('is what docs/settings.md says (npm run settings-doc writes it)', () => {
    expect(readFileSync(new URL('../../../docs/settings.md', import.meta.url), 'utf8')).toBe(
      settingsDocument(),
    );
  });
});

describe('the counters settle time', () => {
  it('outlasts every function that writes the sending log and ADDs the counters, by 30 s', () => {
    const writers = ['preparer', 'starter', 'sender', 'ingester', 'sweeper'] as const;
    for (const name of writers)
      expect(counterSettleSeconds).toBeGreaterThanOrEqual(functions[name].timeoutSeconds + 30);
    expect(counterSettleSeconds).toBe(Math.max(...writers.map((n) => functions[n].timeoutSeconds)) + 30);
  });

  it('is what a function reads unless COUNTER_SETTLE_SECONDS shortens it', () => {
    expect(counterSettleMsFromEnv({})).toBe(counterSettleSeconds * 1000);
    expect(counterSettleMsFromEnv({ COUNTER_SETTLE_SECONDS: '4.5' })).toBe(4500);
    expect(() => counterSettleMsFromEnv({ COUNTER_SETTLE_SECONDS: '0' })).toThrow(/COUNTER_SETTLE_SECONDS/);
  });
});
