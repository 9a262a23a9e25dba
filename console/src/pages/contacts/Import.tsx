/**
 * Import contacts into an audience: a CSV (columns mapped to profile fields) or an Amazon Pinpoint endpoint export
 * (newline-delimited JSON, gzipped or not). Every row is validated first (errors by line); the valid rows go to
 * the API in chunks of 1,000 (profiles, then membership) with a progress bar, then a summary of the profiles
 * created, updated and the rows rejected. The parsing and validation are shared with `npm run import`.
 */
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FileUpload from '@cloudscape-design/components/file-upload';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select, { type SelectProps } from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import Wizard from '@cloudscape-design/components/wizard';
import { useCollection } from '@cloudscape-design/collection-hooks';
import Pagination from '@cloudscape-design/components/pagination';
import { useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import {
  CONTACT_FIELDS,
  type ColumnMapping,
  type ContactField,
  type CsvTable,
  detectFormat,
  FIELD_LABELS,
  guessMapping,
  type ImportProgress,
  isGzip,
  mapCsvRows,
  parseCsv,
  parsePinpointExport,
  type RejectedRow,
  runImport,
  validateContacts,
} from '#domain/contact-import.ts';
import { ApiError, unwrap } from '../../api/client.ts';
import { useApi } from '../../api/context.tsx';
import { useAudiences } from '../../api/hooks.ts';
import { useAuth } from '../../auth/session.tsx';
import { useBreadcrumbs } from '../../layout/Shell.tsx';
import { errorMessage } from '../../lib/errors.tsx';
import { formatCount } from '../../lib/format.ts';

type Source =
  { format: 'csv'; table: CsvTable } | { format: 'pinpoint'; result: ReturnType<typeof parsePinpointExport> };

const NOT_MAPPED = { value: '', label: '(not imported)' };

/** The file as text: a gzipped export is inflated in the browser (DecompressionStream). */
const readText = async (file: File): Promise<string> => {
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  if (!isGzip(head)) return file.text();
  return new Response(file.stream().pipeThrough(new DecompressionStream('gzip'))).text();
};

const Rejected = ({ rows, title }: { rows: RejectedRow[]; title: string }) => {
  const { items, paginationProps } = useCollection(rows, { pagination: { pageSize: 10 } });
  return (
    <Table
      items={items}
      variant="embedded"
      ariaLabels={{ tableLabel: title }}
      header={
        <Header variant="h3" counter={`(${rows.length})`}>
          {title}
        </Header>
      }
      columnDefinitions={[
        { id: 'line', header: 'Line', cell: (r) => r.line, width: 90, isRowHeader: true },
        { id: 'reasons', header: 'Why', cell: (r) => r.reasons.join('; ') },
      ]}
      pagination={<Pagination {...paginationProps} />}
      empty={<Box textAlign="center">No rejected row</Box>}
    />
  );
};

export default function Import() {
  useBreadcrumbs([
    { text: 'Profiles and audiences', href: '/console/audiences' },
    { text: 'Import contacts', href: '/console/import' },
  ]);
  const api = useApi();
  const auth = useAuth();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const audiences = useAudiences();
  const [step, setStep] = useState(0);
  const [files, setFiles] = useState<File[]>([]);
  const [fileError, setFileError] = useState<string | null>(null);
  const [source, setSource] = useState<Source | null>(null);
  const [mapping, setMapping] = useState<ColumnMapping>({});
  const [target, setTarget] = useState<'existing' | 'new'>(params.get('audience') ? 'existing' : 'new');
  const [audienceId, setAudienceId] = useState(params.get('audience') ?? '');
  const [audienceName, setAudienceName] = useState('');
  const [audienceError, setAudienceError] = useState<string | null>(null);
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [importError, setImportError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [importedInto, setImportedInto] = useState<string | null>(null);

  const checked = useMemo(() => {
    if (!source) return null;
    const mapped =
      source.format === 'csv'
        ? mapCsvRows(source.table, mapping)
        : { rows: source.result.rows, rejected: source.result.rejected };
    const validated = validateContacts(mapped.rows);
    return {
      read: mapped.rows.length + mapped.rejected.length,
      valid: validated.valid,
      rejected: [...mapped.rejected, ...validated.rejected].sort((a, b) => a.line - b.line),
      skipped: source.format === 'pinpoint' ? source.result.skipped.length : 0,
    };
  }, [source, mapping]);

  const load = async (file: File | undefined) => {
    setSource(null);
    setFileError(null);
    if (!file) return;
    try {
      const text = await readText(file);
      if (detectFormat(text) === 'pinpoint')
        setSource({ format: 'pinpoint', result: parsePinpointExport(text) });
      else {
        const table = parseCsv(text);
        if (table.columns.length === 0) throw new Error('The file has no header line.');
        setSource({ format: 'csv', table });
        setMapping(guessMapping(table.columns));
      }
    } catch (e) {
      setFileError(`Could not read ${file.name}: ${errorMessage(e)}`);
    }
  };

  const start = async () => {
    if (!checked) return;
    setRunning(true);
    setImportError(null);
    try {
      let id = audienceId;
      if (target === 'new') {
        const created = await unwrap(api.POST('/audiences', { body: { name: audienceName.trim() } }));
        id = created.id;
      }
      setImportedInto(id);
      const run = crypto.randomUUID();
      await runImport(
        checked.valid,
        {
          async upsert(profiles, index) {
            const { data, error, response } = await api.POST('/profiles:batch', {
              body: { profiles },
              headers: { 'Idempotency-Key': `import-${run}-${index}-${profiles.length}` },
            });
            if (response.status === 400) {
              const e = new ApiError(400, error);
              return { ok: false, message: e.message, fields: e.fields };
            }
            if (!response.ok || !data) throw new ApiError(response.status, error);
            return {
              ok: true,
              ids: data.items.map((p) => p.id),
              created: data.created,
              updated: data.updated,
            };
          },
          async addMembers(profileIds) {
            await unwrap(
              api.POST('/audiences/{id}/members:batch', { params: { path: { id } }, body: { profileIds } }),
            );
          },
        },
        setProgress,
      );
    } catch (e) {
      setImportError(errorMessage(e));
    } finally {
      setRunning(false);
      void queryClient.invalidateQueries({ queryKey: ['audiences'] });
      void queryClient.invalidateQueries({ queryKey: ['audience'] });
      void queryClient.invalidateQueries({ queryKey: ['audience-profiles'] });
    }
  };

  if (!auth.can('profiles:write')) {
    return (
      <ContentLayout header={<Header variant="h1">Import contacts</Header>}>
        <Alert type="info">Your permissions do not allow you to change profiles.</Alert>
      </ContentLayout>
    );
  }

  if (progress || running) {
    const done = progress?.done ?? 0;
    const total = progress?.total ?? checked?.valid.length ?? 0;
    const finished = !running && progress !== null;
    const rejected = [...(checked?.rejected ?? []), ...(progress?.rejected ?? [])].sort(
      (a, b) => a.line - b.line,
    );
    return (
      <ContentLayout header={<Header variant="h1">Import contacts</Header>}>
        <SpaceBetween size="l">
          <Container header={<Header variant="h2">{finished ? 'Import finished' : 'Importing…'}</Header>}>
            <SpaceBetween size="l">
              <ProgressBar
                label="Rows imported"
                value={total > 0 ? Math.round((done / total) * 100) : 100}
                description={
                  <span className="tabular">{`${formatCount(done)} of ${formatCount(total)} valid rows, in chunks of 1,000`}</span>
                }
                status={importError ? 'error' : finished ? 'success' : 'in-progress'}
                resultText={importError ?? 'Done'}
              />
              {finished || importError ? (
                <KeyValuePairs
                  columns={3}
                  items={[
                    {
                      label: 'Profiles created',
                      value: <span data-summary="created">{formatCount(progress?.created ?? 0)}</span>,
                    },
                    {
                      label: 'Profiles updated',
                      value: <span data-summary="updated">{formatCount(progress?.updated ?? 0)}</span>,
                    },
                    {
                      label: 'Rows rejected',
                      value: <span data-summary="rejected">{formatCount(rejected.length)}</span>,
                    },
                  ]}
                />
              ) : null}
              {importError ? (
                <Alert type="error" header="The import stopped">
                  {importError}
                </Alert>
              ) : null}
              {finished && importedInto ? (
                <SpaceBetween direction="horizontal" size="xs">
                  <Button variant="primary" onClick={() => navigate(`/console/audiences/${importedInto}`)}>
                    Open the audience
                  </Button>
                  <Button onClick={() => navigate('/console/deliveries/new')}>Create a delivery</Button>
                </SpaceBetween>
              ) : null}
            </SpaceBetween>
          </Container>
          {finished && rejected.length > 0 ? (
            <Container>
              <Rejected rows={rejected} title="Rejected rows" />
            </Container>
          ) : null}
        </SpaceBetween>
      </ContentLayout>
    );
  }

  const columnOptions: SelectProps.Option[] =
    source?.format === 'csv'
      ? [NOT_MAPPED, ...source.table.columns.map((c) => ({ value: c, label: c }))]
      : [];
  const audienceOptions = (audiences.data?.items ?? []).map((a) => ({
    value: a.id,
    label: a.name,
    description: `${formatCount(a.memberCount)} members`,
  }));

  return (
    <Wizard
      activeStepIndex={step}
      onNavigate={(event) => {
        const next = event.detail.requestedStepIndex;
        if (step === 0 && next > 0) {
          if (!source) return setFileError('Choose a CSV file or an Amazon Pinpoint export.');
          if (target === 'new' && !audienceName.trim())
            return setAudienceError('Give the new audience a name.');
          if (target === 'existing' && !audienceId) return setAudienceError('Choose the audience.');
        }
        setStep(next);
      }}
      onCancel={() => navigate('/console/audiences')}
      onSubmit={() => void start()}
      isLoadingNextStep={running}
      i18nStrings={{
        stepNumberLabel: (n) => `Step ${n}`,
        collapsedStepsLabel: (n, total) => `Step ${n} of ${total}`,
        navigationAriaLabel: 'Steps',
        cancelButton: 'Cancel',
        previousButton: 'Previous',
        nextButton: 'Next',
        submitButton: 'Import',
        optional: 'optional',
      }}
      steps={[
        {
          title: 'Choose the file and the audience',
          description: 'A CSV with a header line, or an Amazon Pinpoint endpoint export (.json, .gz).',
          content: (
            <SpaceBetween size="l">
              <Container header={<Header variant="h2">File</Header>}>
                <FormField label="Contacts file" errorText={fileError}>
                  <FileUpload
                    value={files}
                    onChange={(event) => {
                      setFiles(event.detail.value);
                      void load(event.detail.value[0]);
                    }}
                    accept=".csv,.txt,.json,.ndjson,.jsonl,.gz,text/csv,application/json,application/gzip"
                    showFileSize
                    constraintText="CSV: id, email, first name, last name, time zone, opted out. Pinpoint: the files of an endpoint export job."
                    i18nStrings={{
                      uploadButtonText: () => 'Choose file',
                      dropzoneText: () => 'Drop a file here',
                      removeFileAriaLabel: (i) => `Remove file ${i + 1}`,
                      limitShowFewer: 'Show fewer',
                      limitShowMore: 'Show more',
                      errorIconAriaLabel: 'Error',
                      warningIconAriaLabel: 'Warning',
                    }}
                  />
                </FormField>
                {source ? (
                  <Box margin={{ top: 's' }} color="text-body-secondary">
                    {source.format === 'csv'
                      ? `CSV with ${source.table.columns.length} columns and ${formatCount(source.table.rows.length + source.table.rejected.length)} rows.`
                      : `Amazon Pinpoint export: ${formatCount(source.result.rows.length)} email endpoints, ${formatCount(source.result.skipped.length)} other endpoints skipped.`}
                  </Box>
                ) : null}
              </Container>
              <Container header={<Header variant="h2">Audience</Header>}>
                <SpaceBetween size="m">
                  <RadioGroup
                    value={target}
                    onChange={(e) => {
                      setTarget(e.detail.value as 'existing' | 'new');
                      setAudienceError(null);
                    }}
                    items={[
                      { value: 'new', label: 'A new audience' },
                      { value: 'existing', label: 'An existing audience' },
                    ]}
                    ariaLabel="Import into"
                  />
                  {target === 'new' ? (
                    <FormField label="Name of the new audience" errorText={audienceError}>
                      <Input
                        value={audienceName}
                        onChange={(e) => {
                          setAudienceName(e.detail.value);
                          setAudienceError(null);
                        }}
                      />
                    </FormField>
                  ) : (
                    <FormField label="Audience" errorText={audienceError}>
                      <Select
                        selectedOption={audienceOptions.find((o) => o.value === audienceId) ?? null}
                        onChange={(e) => {
                          setAudienceId(e.detail.selectedOption.value ?? '');
                          setAudienceError(null);
                        }}
                        options={audienceOptions}
                        filteringType="auto"
                        placeholder="Choose an audience"
                        statusType={audiences.isPending ? 'loading' : 'finished'}
                        empty="No audience yet"
                      />
                    </FormField>
                  )}
                </SpaceBetween>
              </Container>
            </SpaceBetween>
          ),
        },
        {
          title: 'Map the columns',
          description:
            source?.format === 'pinpoint'
              ? 'A Pinpoint export maps itself: user id, address, first and last name, time zone, OptOut.'
              : 'Which column holds each profile field. Without an id column, each row creates a new profile.',
          content: (
            <Container header={<Header variant="h2">Columns</Header>}>
              {source?.format === 'csv' ? (
                <ColumnLayout columns={2}>
                  {CONTACT_FIELDS.map((field: ContactField) => (
                    <FormField key={field} label={FIELD_LABELS[field]}>
                      <Select
                        selectedOption={
                          columnOptions.find((o) => o.value === (mapping[field] ?? '')) ?? NOT_MAPPED
                        }
                        onChange={(e) => {
                          const value = e.detail.selectedOption.value;
                          setMapping((m) => {
                            const next = { ...m };
                            if (value) next[field] = value;
                            else delete next[field];
                            return next;
                          });
                        }}
                        options={columnOptions}
                        ariaLabel={`Column for ${FIELD_LABELS[field]}`}
                      />
                    </FormField>
                  ))}
                </ColumnLayout>
              ) : (
                <KeyValuePairs
                  columns={2}
                  items={[
                    { label: FIELD_LABELS.id, value: 'User.UserId (else the endpoint Id)' },
                    { label: FIELD_LABELS.email, value: 'Address (ChannelType EMAIL)' },
                    { label: FIELD_LABELS.firstName, value: 'User or endpoint attribute FirstName' },
                    { label: FIELD_LABELS.lastName, value: 'User or endpoint attribute LastName' },
                    { label: FIELD_LABELS.timeZone, value: 'Demographic.Timezone' },
                    { label: FIELD_LABELS.optOut, value: 'OptOut = ALL' },
                  ]}
                />
              )}
            </Container>
          ),
        },
        {
          title: 'Review and import',
          description: 'Rows with an error are not imported; the others go to the API 1,000 at a time.',
          content: (
            <SpaceBetween size="l">
              <Container header={<Header variant="h2">Validation</Header>}>
                <KeyValuePairs
                  columns={4}
                  items={[
                    { label: 'Rows read', value: formatCount(checked?.read ?? 0) },
                    {
                      label: 'Valid',
                      value: <span data-review="valid">{formatCount(checked?.valid.length ?? 0)}</span>,
                    },
                    {
                      label: 'With errors',
                      value: <span data-review="rejected">{formatCount(checked?.rejected.length ?? 0)}</span>,
                    },
                    { label: 'Skipped (not email)', value: formatCount(checked?.skipped ?? 0) },
                  ]}
                />
              </Container>
              {checked && checked.rejected.length > 0 ? (
                <Container>
                  <Rejected rows={checked.rejected} title="Rows with errors" />
                </Container>
              ) : null}
              {checked && checked.valid.length === 0 ? (
                <Alert type="warning">No valid row to import.</Alert>
              ) : null}
            </SpaceBetween>
          ),
        },
      ]}
    />
  );
}
