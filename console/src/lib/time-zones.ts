/** IANA time zones for the pickers, each with its offset now ("UTC+01:00"), from the browser's Intl data. */
import type { SelectProps } from '@cloudscape-design/components/select';

const offsetOf = (timeZone: string, at = new Date()): string => {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(at)
      .find((p) => p.type === 'timeZoneName')?.value;
    return part === 'GMT' ? 'UTC+00:00' : (part?.replace('GMT', 'UTC') ?? '');
  } catch {
    return '';
  }
};

let cached: SelectProps.Option[] | null = null;

export const timeZoneOptions = (): SelectProps.Option[] => {
  if (!cached) {
    const zones = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
    cached = zones.map((zone) => ({ value: zone, label: zone, description: offsetOf(zone) }));
  }
  return cached;
};

export const timeZoneOption = (zone: string): SelectProps.Option => ({
  value: zone,
  label: zone,
  description: offsetOf(zone),
});

export const browserTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export { offsetOf };
