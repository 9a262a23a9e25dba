/** Profiles, audiences and address quarantine. Pure code: no AWS imports. */
import { type FieldError, invalid } from './errors.ts';
import { isValidTimeZone } from './schedule.ts';

export interface Profile {
  id: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  timeZone?: string;
  optOut: boolean;
  /** When it opted out: by a list unsubscribe, or when an import or the API set optOut (absent while opted in). */
  optOutAt?: string;
  /** The message it unsubscribed from (a one-click or SES list unsubscribe only). */
  optOutSource?: { deliveryId: string; sesMessageId: string };
  updatedAt: string;
}

export interface Audience {
  id: string;
  name: string;
  memberCount: number;
  createdAt: string;
}

export type QuarantineStatus = 'erroneous' | 'quarantined' | 'denylisted';

export interface QuarantineEntry {
  address: string;
  status: QuarantineStatus;
  errorCount: number;
  lastErrorAt: string;
  reason: string;
}

export const MAX_BATCH = 1000;

/** What a profile (or audience) id may be made of: the API's schemas and the contact import check it. */
export const ID_PATTERN = /^[A-Za-z0-9_.:-]+$/;
export const ID_MAX_LENGTH = 128;
/**
 * A new profile's id: it becomes the recipient id of every message sent to the profile, hence a DynamoDB key part
 * and the value of the SES message tag `recipient`, which SES holds to 256 of `[A-Za-z0-9_-]`.
 */
export const PROFILE_ID_PATTERN = /^[A-Za-z0-9_-]+$/;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Addresses compare case-insensitively (duplicates, quarantine). */
export const normalizeAddress = (email: string): string => email.trim().toLowerCase();

export const validateProfileFields = (
  profile: { email?: string | null; timeZone?: string | null },
  index: number,
): FieldError[] => {
  const fields: FieldError[] = [];
  if (profile.email && !EMAIL.test(profile.email)) {
    fields.push({ field: `profiles[${index}].email`, message: 'must be an email address' });
  }
  if (profile.timeZone && !isValidTimeZone(profile.timeZone)) {
    fields.push({ field: `profiles[${index}].timeZone`, message: 'unknown IANA time zone' });
  }
  return fields;
};

export const assertBatchSize = (field: string, count: number): void => {
  if (count === 0) throw invalid('The batch is empty.', [{ field, message: 'must hold at least one item' }]);
  if (count > MAX_BATCH) {
    throw invalid(`A batch holds at most ${MAX_BATCH} items.`, [
      { field, message: `must hold at most ${MAX_BATCH} items` },
    ]);
  }
};
