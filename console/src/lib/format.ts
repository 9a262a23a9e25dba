/** How numbers, rates and times read on every screen (English, fixed widths via the .tabular class). */
const COUNT = new Intl.NumberFormat('en-US');
const DATE_TIME = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'medium' });
const TIME = new Intl.DateTimeFormat('en-US', { timeStyle: 'medium' });

export const formatCount = (n: number | undefined): string => (n === undefined ? '–' : COUNT.format(n));

/** A rate from 0 to 1 as a percentage with one decimal ("66.7 %"). */
export const formatRate = (rate: number | undefined): string =>
  rate === undefined ? '–' : `${(rate * 100).toFixed(1)} %`;

export const formatDateTime = (iso: string | null | undefined): string =>
  iso ? DATE_TIME.format(new Date(iso)) : '–';

export const formatTime = (iso: string | null | undefined): string =>
  iso ? TIME.format(new Date(iso)) : '–';

/** A contact date (local wall time in its zone) as the marketer set it: "2026-11-22 09:00 Europe/Paris". */
export const formatContactDate = (schedule: { contactDate: string; timeZone: string } | undefined): string =>
  schedule
    ? `${schedule.contactDate.replace('T', ' ').slice(0, 16)} (${schedule.timeZone})`
    : 'Once confirmed';

export const formatDuration = (seconds: number): string => {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
};
