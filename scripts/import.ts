/**
 * `npm run import -- <file> --audience <name> [--local [URL]] [--api URL] [--map field=Column ...]`: imports a CSV
 * of contacts, or an Amazon Pinpoint endpoint export (newline-delimited JSON, gzipped or not), into an audience
 * through the HTTP API, as the console's import screen does (shared/domain/contact-import.ts): rows validated
 * first (errors by line), then chunks of 1,000 profiles upserted and added to the audience, with a progress bar.
 *
 * - `--audience <name>`: the audience, found by name or created.
 * - `--local [URL]`: the embedded runtime at URL (default http://127.0.0.1:3000), signed in as a local user with
 *   the Prepare deliveries role. Without it: the API at `--api <URL>` (or CAS_API_URL) with the Cognito ID token
 *   of a Prepare deliveries user in CAS_ID_TOKEN.
 * - `--map field=Column`: which CSV column feeds a profile field (id, email, firstName, lastName, timeZone,
 *   optOut), over the mapping guessed from the header line.
 *
 * Exit codes: 0 imported (rejected rows, if any, are listed), 1 failed, 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Presets, SingleBar } from 'cli-progress';
import {
  CONTACT_FIELDS,
  type ColumnMapping,
  type ContactField,
  type ContactRow,
  detectFormat,
  guessMapping,
  type ImportApi,
  isGzip,
  mapCsvRows,
  parseCsv,
  parsePinpointExport,
  type RejectedRow,
  runImport,
  validateContacts,
} from '#domain/contact-import.ts';
import { localOption, UsageError } from './cli.ts';

const USAGE =
  'Usage: npm run import -- <file> --audience <name> [--local [URL]] [--api URL] [--map field=Column ...]';
/** The local user the CLI signs in as (Prepare deliveries: may write profiles and audiences). */
const LOCAL_USER = { username: 'import-cli', groups: ['prepare-deliveries'] };

export { UsageError };

export interface ImportArgs {
  file: string;
  audience: string;
  local: string | null;
  api: string | null;
  map: ColumnMapping;
}

export const parseArgs = (argv: readonly string[], env: NodeJS.ProcessEnv = {}): ImportArgs => {
  let file: string | undefined;
  let audience: string | undefined;
  let local: string | null = null;
  let api: string | null = env.CAS_API_URL || null;
  const map: ColumnMapping = {};
  const valueOf = (name: string, i: number): [string, number] => {
    const arg = argv[i]!;
    if (arg.startsWith(`${name}=`)) return [arg.slice(name.length + 1), i];
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) throw new UsageError(`${name} needs a value.`);
    return [next, i + 1];
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') throw new UsageError('');
    if (arg === '--local' || arg.startsWith('--local=')) {
      ({ url: local, last: i } = localOption(argv, i));
    } else if (arg === '--audience' || arg.startsWith('--audience=')) {
      [audience, i] = valueOf('--audience', i);
      if (audience.trim() === '') throw new UsageError('--audience needs a name.');
    } else if (arg === '--api' || arg.startsWith('--api=')) {
      [api, i] = valueOf('--api', i);
      if (!/^https?:\/\/[^/]+/.test(api)) throw new UsageError(`--api takes a URL, not "${api}".`);
    } else if (arg === '--map' || arg.startsWith('--map=')) {
      let pair: string;
      [pair, i] = valueOf('--map', i);
      const m = /^([A-Za-z]+)=(.+)$/.exec(pair);
      if (!m || !(CONTACT_FIELDS as readonly string[]).includes(m[1]!))
        throw new UsageError(
          `--map takes field=Column, the field one of ${CONTACT_FIELDS.join(', ')} (got "${pair}").`,
        );
      map[m[1] as ContactField] = m[2]!;
    } else if (arg.startsWith('-')) {
      throw new UsageError(`Unknown option ${arg}.`);
    } else if (file === undefined) file = arg;
    else throw new UsageError(`One file at a time (got "${file}" and "${arg}").`);
  }
  if (file === undefined) throw new UsageError('Name the file to import (a CSV or a Pinpoint export).');
  if (audience === undefined) throw new UsageError('Name the audience: --audience <name>.');
  if (!local && !api)
    throw new UsageError(
      'Say where the API is: --local [URL] for npm start, or --api <URL> with CAS_ID_TOKEN.',
    );
  return { file, audience: audience.trim(), local, api, map };
};

/** The rows of the file, read as the console reads them. */
export const readContacts = (
  bytes: Buffer,
  mapping: ColumnMapping,
): { format: 'csv' | 'pinpoint'; rows: ContactRow[]; rejected: RejectedRow[]; skipped: number } => {
  const text = (isGzip(bytes) ? gunzipSync(bytes) : bytes).toString('utf8');
  if (detectFormat(text) === 'pinpoint') {
    const result = parsePinpointExport(text);
    const checked = validateContacts(result.rows);
    return {
      format: 'pinpoint',
      rows: checked.valid,
      rejected: [...result.rejected, ...checked.rejected],
      skipped: result.skipped.length,
    };
  }
  const table = parseCsv(text);
  if (table.columns.length === 0) throw new UsageError('The file has no header line.');
  const map = { ...guessMapping(table.columns), ...mapping };
  for (const [field, column] of Object.entries(map))
    if (!table.columns.includes(column))
      throw new UsageError(
        `No column "${column}" for ${field}: the columns are ${table.columns.join(', ')}.`,
      );
  if (!map.id && !map.email)
    throw new UsageError(
      `No column was recognized as id or email (columns: ${table.columns.join(', ')}): use --map email=<column>.`,
    );
  const mapped = mapCsvRows(table, map);
  const checked = validateContacts(mapped.rows);
  return {
    format: 'csv',
    rows: checked.valid,
    rejected: [...mapped.rejected, ...checked.rejected],
    skipped: 0,
  };
};

/** A small client of the HTTP API: a JSON request with the ID token; error answers become errors. */
const apiClient = (base: string, token: string) => {
  const request = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    return { status: response.status, body: json };
  };
  const fail = (what: string, answer: { status: number; body: Record<string, unknown> }) => {
    const error = answer.body.error as { message?: string } | undefined;
    return new Error(
      `${what} answered ${answer.status}: ${error?.message ?? answer.body.message ?? 'no message'}`,
    );
  };
  return { request, fail };
};

const signInLocally = async (url: string): Promise<string> => {
  let response: Response;
  try {
    response = await fetch(`${url}/local/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(LOCAL_USER),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new Error(
      `No local runtime answers at ${url} (${(error as Error).message}). Start it with npm start, or pass --local <its URL>.`,
      { cause: error },
    );
  }
  if (!response.ok) throw new Error(`POST ${url}/local/sign-in answered ${response.status}.`);
  return ((await response.json()) as { token: string }).token;
};

const main = async (argv: readonly string[]): Promise<number> => {
  let args: ImportArgs;
  let contacts: ReturnType<typeof readContacts>;
  try {
    args = parseArgs(argv, process.env);
    let bytes: Buffer;
    try {
      bytes = readFileSync(args.file);
    } catch (error) {
      throw new UsageError(
        `Cannot read ${args.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      );
    }
    contacts = readContacts(bytes, args.map);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) console.error(error.message);
    console.error(USAGE);
    return 2;
  }
  try {
    const base = (args.local ?? args.api!).replace(/\/+$/, '');
    const token = args.local ? await signInLocally(base) : process.env.CAS_ID_TOKEN;
    if (!token) {
      console.error('Set CAS_ID_TOKEN to the Cognito ID token of a user with the Prepare deliveries role.');
      console.error(USAGE);
      return 2;
    }
    const { request, fail } = apiClient(base, token);
    console.error(
      `${args.file}: ${contacts.format === 'csv' ? 'CSV' : 'Amazon Pinpoint export'}, ${contacts.rows.length} valid rows, ` +
        `${contacts.rejected.length} rejected${contacts.skipped ? `, ${contacts.skipped} endpoints of other channels skipped` : ''}.`,
    );

    // The audience by name, else a new one.
    let audienceId: string | undefined;
    let cursor: string | null = null;
    do {
      const page = await request(
        'GET',
        `/audiences?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      if (page.status !== 200) throw fail('GET /audiences', page);
      const items = page.body.items as Array<{ id: string; name: string }>;
      audienceId = items.find((a) => a.name === args.audience)?.id;
      cursor = page.body.nextCursor as string | null;
    } while (!audienceId && cursor);
    if (!audienceId) {
      const created = await request('POST', '/audiences', { name: args.audience });
      if (created.status !== 201) throw fail('POST /audiences', created);
      audienceId = created.body.id as string;
      console.error(`Created the audience "${args.audience}" (${audienceId}).`);
    }

    const run = crypto.randomUUID();
    const api: ImportApi = {
      async upsert(profiles, index) {
        const answer = await request(
          'POST',
          '/profiles:batch',
          { profiles },
          {
            'idempotency-key': `import-${run}-${index}-${profiles.length}`,
          },
        );
        if (answer.status === 400) {
          const error = answer.body.error as { message: string; details?: { fields?: [] } };
          return { ok: false, message: error.message, fields: error.details?.fields ?? [] };
        }
        if (answer.status !== 200) throw fail('POST /profiles:batch', answer);
        return {
          ok: true,
          ids: (answer.body.items as Array<{ id: string }>).map((p) => p.id),
          created: answer.body.created as number,
          updated: answer.body.updated as number,
        };
      },
      async addMembers(profileIds) {
        const answer = await request('POST', `/audiences/${encodeURIComponent(audienceId!)}/members:batch`, {
          profileIds,
        });
        if (answer.status !== 200) throw fail('POST /audiences/{id}/members:batch', answer);
      },
    };
    const bar = new SingleBar(
      { format: 'Importing [{bar}] {value}/{total} rows', stream: process.stderr, hideCursor: true },
      Presets.shades_classic,
    );
    bar.start(contacts.rows.length, 0);
    let result;
    try {
      result = await runImport(contacts.rows, api, (p) => bar.update(p.done));
    } finally {
      bar.stop();
    }
    const rejected = [...contacts.rejected, ...result.rejected].sort((a, b) => a.line - b.line);
    for (const row of rejected.slice(0, 20)) console.error(`  line ${row.line}: ${row.reasons.join('; ')}`);
    if (rejected.length > 20) console.error(`  … and ${rejected.length - 20} more rejected rows`);
    console.log(
      `Imported into "${args.audience}": ${result.created} created, ${result.updated} updated, ${rejected.length} rejected.`,
    );
    return 0;
  } catch (error) {
    console.error(`Import failed: ${(error as Error).message}`);
    return 1;
  }
};

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
