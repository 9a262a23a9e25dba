/**
 * Contact import, shared by the console's import screen and `npm run import`: reads a CSV of contacts (papaparse)
 * or an Amazon Pinpoint endpoint export (newline-delimited JSON, one endpoint per line, as Pinpoint's export jobs
 * write it; the caller gunzips it first), maps columns to profile fields, validates every row as the API would
 * (naming the line of each error), and imports the valid rows through the API in chunks of 1,000 (profiles, then
 * their audience membership). Pure code: the API calls are handed in.
 */
import Papa from 'papaparse';
import type { FieldError } from './errors.ts';
import { ID_MAX_LENGTH, MAX_BATCH, PROFILE_ID_PATTERN, validateProfileFields } from './profiles.ts';

export const CONTACT_FIELDS = ['id', 'email', 'firstName', 'lastName', 'timeZone', 'optOut'] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

export const FIELD_LABELS: Record<ContactField, string> = {
  id: 'Profile id',
  email: 'Email address',
  firstName: 'First name',
  lastName: 'Last name',
  timeZone: 'Time zone',
  optOut: 'Opted out',
};

/** Which source column feeds each profile field (a field with no column is left as stored). */
export type ColumnMapping = Partial<Record<ContactField, string>>;

export interface ContactProfile {
  id?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  timeZone?: string;
  optOut?: boolean;
}

/** A row of the source: its line in the file (1 = the first line) and the profile it describes. */
export interface ContactRow {
  line: number;
  profile: ContactProfile;
}

export interface RejectedRow {
  line: number;
  reasons: string[];
}

export type SourceFormat = 'csv' | 'pinpoint';

/** Gzip's magic number: Pinpoint export files are often `.gz`. */
export const isGzip = (bytes: Uint8Array): boolean => bytes[0] === 0x1f && bytes[1] === 0x8b;

/** A Pinpoint export is JSON objects, one per line; anything else is read as CSV. */
export const detectFormat = (text: string): SourceFormat =>
  text.trimStart().startsWith('{') ? 'pinpoint' : 'csv';

// ---- CSV ------------------------------------------------------------------------------------------------------

export interface CsvTable {
  columns: string[];
  rows: Array<{ line: number; values: Record<string, string> }>;
  /** Rows the parser could not read (unbalanced quotes, wrong number of fields). */
  rejected: RejectedRow[];
}

export const parseCsv = (input: string): CsvTable => {
  const text = input.replace(/^\uFEFF/, '');
  const rows: CsvTable['rows'] = [];
  const rejected: RejectedRow[] = [];
  let columns: string[] = [];
  // Line numbers as a person sees them in the file: papaparse's cursor is the end of each row; a row starts after
  // the previous one and any blank lines, and a quoted cell may span lines.
  let pos = 0;
  let line = 1;
  const advance = (to: number) => {
    for (; pos < to; pos++) if (text.charCodeAt(pos) === 10) line++;
  };
  // The header is the first line (a header cell spanning lines is not supported).
  let end = text.includes('\n') ? text.indexOf('\n') + 1 : text.length;
  Papa.parse<Record<string, string>>(text, {
    header: true,
    skipEmptyLines: 'greedy',
    transformHeader: (header) => header.trim(),
    step: (result) => {
      if (columns.length === 0) columns = (result.meta.fields ?? []).filter((c) => c.length > 0);
      let start = end;
      while (start < text.length && /[\r\n \t]/.test(text[start]!)) start++;
      advance(start);
      const rowLine = line;
      end = result.meta.cursor;
      if (result.errors.length > 0)
        rejected.push({ line: rowLine, reasons: result.errors.map((e) => e.message) });
      else rows.push({ line: rowLine, values: result.data });
    },
  });
  return { columns, rows, rejected };
};

const normalizeHeader = (header: string) => header.toLowerCase().replace(/[^a-z]/g, '');

const HEADER_ALIASES: Record<ContactField, readonly string[]> = {
  id: ['id', 'profileid', 'userid', 'customerid', 'contactid', 'externalid'],
  email: ['email', 'emailaddress', 'mail', 'address'],
  firstName: ['firstname', 'givenname', 'forename', 'first'],
  lastName: ['lastname', 'surname', 'familyname', 'last'],
  timeZone: ['timezone', 'tz', 'zone'],
  optOut: ['optout', 'optedout', 'unsubscribed', 'donotemail'],
};

/** Guesses the mapping from the column names (case, spaces and punctuation ignored). */
export const guessMapping = (columns: readonly string[]): ColumnMapping => {
  const mapping: ColumnMapping = {};
  for (const field of CONTACT_FIELDS) {
    const column = columns.find((c) => HEADER_ALIASES[field].includes(normalizeHeader(c)));
    if (column !== undefined) mapping[field] = column;
  }
  return mapping;
};

const TRUE = new Set(['true', 'yes', 'y', '1', 'x']);
const FALSE = new Set(['false', 'no', 'n', '0', '']);

/** Reads an opt-out cell: true/false, yes/no, y/n, 1/0 (any case); null when it is none of them. */
export const parseOptOut = (value: string): boolean | null => {
  const v = value.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  return null;
};

/** Applies a mapping: empty cells leave the field out; an unreadable opt-out rejects the row. */
export const mapCsvRows = (
  table: CsvTable,
  mapping: ColumnMapping,
): { rows: ContactRow[]; rejected: RejectedRow[] } => {
  const rows: ContactRow[] = [];
  const rejected: RejectedRow[] = [...table.rejected];
  for (const { line, values } of table.rows) {
    const profile: ContactProfile = {};
    const reasons: string[] = [];
    for (const field of CONTACT_FIELDS) {
      const column = mapping[field];
      if (column === undefined) continue;
      const cell = (values[column] ?? '').trim();
      if (field === 'optOut') {
        const optOut = parseOptOut(cell);
        if (optOut === null)
          reasons.push(`${FIELD_LABELS.optOut}: "${cell}" is not yes/no, true/false or 1/0`);
        else if (cell !== '') profile.optOut = optOut;
      } else if (cell !== '') profile[field] = cell;
    }
    if (reasons.length > 0) rejected.push({ line, reasons });
    else rows.push({ line, profile });
  }
  return { rows, rejected };
};

// ---- Amazon Pinpoint endpoint export ----------------------------------------------------------------------------

interface PinpointEndpoint {
  ChannelType?: unknown;
  Address?: unknown;
  Id?: unknown;
  OptOut?: unknown;
  EndpointStatus?: unknown;
  Demographic?: { Timezone?: unknown };
  Attributes?: Record<string, unknown>;
  User?: { UserId?: unknown; UserAttributes?: Record<string, unknown> };
}

const firstString = (value: unknown): string | undefined => {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
};

/** The first of these attribute names present in the user's, then the endpoint's attributes. */
const attribute = (endpoint: PinpointEndpoint, names: readonly string[]): string | undefined => {
  for (const source of [endpoint.User?.UserAttributes, endpoint.Attributes]) {
    if (!source) continue;
    for (const [key, value] of Object.entries(source)) {
      if (names.includes(normalizeHeader(key))) {
        const found = firstString(value);
        if (found) return found;
      }
    }
  }
  return undefined;
};

export interface PinpointResult {
  rows: ContactRow[];
  rejected: RejectedRow[];
  /** Endpoints of another channel (SMS, push...) or inactive: not contacts of an email platform. */
  skipped: Array<{ line: number; reason: string }>;
}

/**
 * Reads a Pinpoint endpoint export: one profile per user (`User.UserId`, else the endpoint id) from its active
 * EMAIL endpoint (`Address`), with first and last name from the user's or the endpoint's attributes, the time zone
 * from `Demographic.Timezone`, and `OptOut` ALL as opted out. A user with a second email endpoint keeps the first
 * (a profile holds one address): the others are rejected, naming the line kept.
 */
export const parsePinpointExport = (text: string): PinpointResult => {
  const rows: ContactRow[] = [];
  const rejected: RejectedRow[] = [];
  const skipped: PinpointResult['skipped'] = [];
  const byId = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let endpoint: PinpointEndpoint;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      endpoint = parsed as PinpointEndpoint;
    } catch {
      rejected.push({ line, reasons: ['not a JSON endpoint object'] });
      return;
    }
    if (endpoint.ChannelType !== 'EMAIL') {
      skipped.push({ line, reason: `${String(endpoint.ChannelType ?? 'no')} channel` });
      return;
    }
    if (endpoint.EndpointStatus === 'INACTIVE') {
      skipped.push({ line, reason: 'inactive endpoint' });
      return;
    }
    const id = firstString(endpoint.User?.UserId) ?? firstString(endpoint.Id);
    const email = firstString(endpoint.Address);
    if (id !== undefined) {
      const kept = byId.get(id);
      if (kept !== undefined) {
        rejected.push({ line, reasons: [`user ${id} already has an email endpoint on line ${kept}`] });
        return;
      }
      byId.set(id, line);
    }
    const profile: ContactProfile = {};
    if (id !== undefined) profile.id = id;
    if (email !== undefined) profile.email = email;
    const firstName = attribute(endpoint, ['firstname', 'givenname']);
    const lastName = attribute(endpoint, ['lastname', 'surname', 'familyname']);
    const timeZone = firstString(endpoint.Demographic?.Timezone);
    if (firstName) profile.firstName = firstName;
    if (lastName) profile.lastName = lastName;
    if (timeZone) profile.timeZone = timeZone;
    if (endpoint.OptOut !== undefined) profile.optOut = endpoint.OptOut === 'ALL';
    rows.push({ line, profile });
  });
  return { rows, rejected, skipped };
};

// ---- Validation and import ------------------------------------------------------------------------------------

const MAX_LENGTH: Partial<Record<ContactField, number>> = {
  email: 254,
  firstName: 200,
  lastName: 200,
  timeZone: 64,
};

/**
 * Checks every row as the API does (id characters and length, address, IANA time zone, field lengths) and refuses
 * a profile id seen on an earlier line: a batch may not name an id twice.
 */
export const validateContacts = (
  rows: readonly ContactRow[],
): { valid: ContactRow[]; rejected: RejectedRow[] } => {
  const valid: ContactRow[] = [];
  const rejected: RejectedRow[] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    const { profile, line } = row;
    const reasons: string[] = [];
    if (profile.id !== undefined) {
      if (profile.id.length > ID_MAX_LENGTH || !PROFILE_ID_PATTERN.test(profile.id)) {
        reasons.push(`${FIELD_LABELS.id}: letters, digits and _ - only, at most ${ID_MAX_LENGTH}`);
      } else if (seen.has(profile.id)) {
        reasons.push(`${FIELD_LABELS.id}: ${profile.id} is also on line ${seen.get(profile.id)}`);
      } else seen.set(profile.id, line);
    }
    for (const [field, max] of Object.entries(MAX_LENGTH) as Array<[ContactField, number]>) {
      const value = profile[field];
      if (typeof value === 'string' && value.length > max)
        reasons.push(`${FIELD_LABELS[field]}: at most ${max} characters`);
    }
    for (const error of validateProfileFields(profile, 0)) {
      const field = error.field.split('.').pop() as ContactField;
      reasons.push(`${FIELD_LABELS[field] ?? field}: ${error.message}`);
    }
    if (reasons.length > 0) rejected.push({ line, reasons });
    else valid.push(row);
  }
  return { valid, rejected };
};

export const chunk = <T>(items: readonly T[], size: number = MAX_BATCH): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/** What the import needs from the API: upsert a chunk of profiles, then add them to the audience. */
export interface ImportApi {
  /** `POST /profiles:batch`; a refused chunk answers its field errors (`profiles[i].field`). */
  upsert(
    profiles: ContactProfile[],
    chunkIndex: number,
  ): Promise<
    | { ok: true; ids: string[]; created: number; updated: number }
    | { ok: false; message: string; fields: FieldError[] }
  >;
  /** `POST /audiences/{id}/members:batch`. */
  addMembers(profileIds: string[], chunkIndex: number): Promise<void>;
}

export interface ImportProgress {
  done: number;
  total: number;
  created: number;
  updated: number;
  rejected: RejectedRow[];
}

/** Rows of a refused chunk by index in the chunk, with their field errors (`profiles[i].field`). */
const errorsByRow = (fields: readonly FieldError[]): Map<number, string[]> => {
  const byRow = new Map<number, string[]>();
  for (const f of fields) {
    const m = /^profiles\[(\d+)\]\.?(.*)$/.exec(f.field);
    if (!m) continue;
    const at = Number(m[1]);
    byRow.set(at, [...(byRow.get(at) ?? []), m[2] ? `${m[2]}: ${f.message}` : f.message]);
  }
  return byRow;
};

/**
 * Imports valid rows in chunks of 1,000: each chunk's profiles are upserted, then added to the audience. When the
 * API refuses a chunk, the rows its field errors name are rejected and the rest of the chunk is sent again (once;
 * a second refusal rejects them all with its message); the next chunks go on. A network or server failure stops
 * the import (the error is rethrown; what was done is in the last progress reported).
 */
export const runImport = async (
  rows: readonly ContactRow[],
  api: ImportApi,
  onProgress: (progress: ImportProgress) => void = () => {},
): Promise<ImportProgress> => {
  const progress: ImportProgress = { done: 0, total: rows.length, created: 0, updated: 0, rejected: [] };
  const report = () => onProgress({ ...progress, rejected: [...progress.rejected] });
  report();
  for (const [index, part] of chunk(rows).entries()) {
    let pending = part;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const result = await api.upsert(
        pending.map((r) => r.profile),
        index,
      );
      if (result.ok) {
        await api.addMembers(result.ids, index);
        progress.created += result.created;
        progress.updated += result.updated;
        break;
      }
      const byRow = errorsByRow(result.fields);
      if (attempt > 0 || byRow.size === 0) {
        for (const row of pending) progress.rejected.push({ line: row.line, reasons: [result.message] });
        break;
      }
      pending.forEach((row, i) => {
        const reasons = byRow.get(i);
        if (reasons) progress.rejected.push({ line: row.line, reasons });
      });
      pending = pending.filter((_, i) => !byRow.has(i));
    }
    progress.done += part.length;
    report();
  }
  progress.rejected.sort((a, b) => a.line - b.line);
  report();
  return progress;
};
