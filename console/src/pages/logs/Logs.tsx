/**
 * Delivery logs (administration): the sending log filtered by status, the exclusion log with its summary by
 * cause, the tracking log filtered by type and by classification (human or machine, with the rule that decided);
 * each exported to CSV.
 */
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import Select, { type SelectProps } from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import Tabs from '@cloudscape-design/components/tabs';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { CLICK_MIN_HUMAN_SECONDS } from '#domain/engagement.ts';
import {
  type ExclusionLogEntry,
  type SendingLogEntry,
  type TrackingLogEntry,
  unwrap,
} from '../../api/client.ts';
import { useApi } from '../../api/context.tsx';
import { useDeliveries, useDelivery } from '../../api/hooks.ts';
import { useAuth } from '../../auth/session.tsx';
import { useBreadcrumbs } from '../../layout/Shell.tsx';
import { ErrorAlert } from '../../lib/errors.tsx';
import { formatCount, formatDateTime } from '../../lib/format.ts';
import { causeLabel } from '../deliveries/Deployment.tsx';
import { type LogPage, LogTable } from './LogTable.tsx';

type Status = SendingLogEntry['status'];
type TrackingType = TrackingLogEntry['type'];

const STATUS: Record<Status, StatusIndicatorProps.Type> = {
  pending: 'pending',
  sent: 'in-progress',
  delivered: 'success',
  failed: 'error',
  canceled: 'stopped',
  'in-doubt': 'warning',
};

const STATUS_OPTIONS: SelectProps.Option[] = [
  { value: '', label: 'All statuses' },
  ...(Object.keys(STATUS) as Status[]).map((s) => ({ value: s, label: s })),
];
const TYPE_OPTIONS: SelectProps.Option[] = [
  { value: '', label: 'All types' },
  { value: 'open', label: 'open' },
  { value: 'click', label: 'click' },
  { value: 'opt-out', label: 'opt-out' },
];

type Classification = NonNullable<TrackingLogEntry['classification']>;
const CLASSIFICATION_OPTIONS: SelectProps.Option[] = [
  { value: '', label: 'Human and machine' },
  { value: 'human', label: 'human' },
  { value: 'machine', label: 'machine' },
  {
    value: 'none',
    label: 'not classified',
    description: 'opt-outs, and events logged before the classifier',
  },
];

/** The rules of shared/domain/engagement.ts, as a marketer reads them. */
const RULE_LABELS: Record<string, string> = {
  'gmail-image-proxy': "Gmail's image proxy (the reader opened)",
  'apple-mpp': 'Apple Mail Privacy Protection',
  'scanner-user-agent': 'Security scanner, bot or HTTP library',
  'no-user-agent': 'No user agent',
  'click-too-fast': `Clicked within ${CLICK_MIN_HUMAN_SECONDS} s of delivery`,
  'mail-client': 'Mail client or browser',
};
export const ruleLabel = (rule: string | undefined) => (rule ? (RULE_LABELS[rule] ?? rule) : '');

const CLASSIFICATION_INDICATOR: Record<Classification, StatusIndicatorProps.Type> = {
  human: 'success',
  machine: 'stopped',
};

/** Pages a filter the API does not have reads before answering a short page (and where to go on from). */
const MAX_FILTERED_READS = 20;

/**
 * A page of entries that pass `keep`, read from the API's pages until `limit` pass, the log ends, or
 * MAX_FILTERED_READS pages were read (the next page goes on from there). The tracking log's API filters by type,
 * not by classification: this keeps the table's pages full and the CSV export exact.
 */
export const filteredPages =
  <T,>(
    fetchPage: (cursor: string | undefined, limit: number) => Promise<LogPage<T>>,
    keep: (row: T) => boolean,
  ) =>
  async (cursor: string | undefined, limit: number): Promise<LogPage<T>> => {
    const items: T[] = [];
    let next = cursor;
    let reads = 0;
    do {
      const page = await fetchPage(next, limit);
      items.push(...page.items.filter(keep));
      next = page.nextCursor ?? undefined;
      reads++;
    } while (next && items.length < limit && reads < MAX_FILTERED_READS);
    return { items, nextCursor: next ?? null };
  };

const ProfileLink = ({ id }: { id: string }) => {
  const navigate = useNavigate();
  return (
    <Link
      href={`/console/profiles/${encodeURIComponent(id)}`}
      onFollow={(e) => {
        e.preventDefault();
        navigate(`/console/profiles/${encodeURIComponent(id)}`);
      }}
    >
      {id}
    </Link>
  );
};

const fileSafe = (label: string) =>
  label.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-|-$/g, '') || 'delivery';

export default function Logs() {
  const { id } = useParams();
  const auth = useAuth();
  const navigate = useNavigate();
  useBreadcrumbs([
    { text: 'Administration', href: '/console/logs' },
    { text: 'Delivery logs', href: '/console/logs' },
  ]);
  const deliveries = useDeliveries();
  const options: SelectProps.Option[] = (deliveries.data?.items ?? [])
    .filter((d) => d.preparation)
    .map((d) => ({ value: d.id, label: d.label, description: d.state }));
  const selected = options.find((o) => o.value === id) ?? (id ? { value: id, label: id } : null);

  return (
    <ContentLayout
      header={
        <Header variant="h1" description="What happened to each recipient: sent, excluded, opened, clicked.">
          Delivery logs
        </Header>
      }
    >
      <SpaceBetween size="l">
        {!auth.can('logs:read') ? (
          <Alert type="info" header="Information">
            Your permissions do not allow you to read delivery logs (the Administration role does).
          </Alert>
        ) : (
          <>
            <Container>
              <FormField
                label="Delivery"
                description="A prepared delivery (or open the logs from its dashboard)."
              >
                <Select
                  selectedOption={selected}
                  onChange={(e) => navigate(`/console/logs/${e.detail.selectedOption.value}`)}
                  options={options}
                  filteringType="auto"
                  placeholder="Choose a delivery"
                  statusType={deliveries.isPending ? 'loading' : 'finished'}
                  loadingText="Loading deliveries"
                  empty="No prepared delivery yet"
                />
              </FormField>
            </Container>
            {id ? <DeliveryLogs id={id} /> : null}
          </>
        )}
      </SpaceBetween>
    </ContentLayout>
  );
}

const DeliveryLogs = ({ id }: { id: string }) => {
  const api = useApi();
  const navigate = useNavigate();
  const delivery = useDelivery(id);
  const [status, setStatus] = useState<SelectProps.Option>(STATUS_OPTIONS[0]!);
  const [type, setType] = useState<SelectProps.Option>(TYPE_OPTIONS[0]!);
  const [classification, setClassification] = useState<SelectProps.Option>(CLASSIFICATION_OPTIONS[0]!);
  if (delivery.isError) return <ErrorAlert error={delivery.error} onRetry={() => void delivery.refetch()} />;
  const label = delivery.data?.label ?? id;
  const base = fileSafe(label);
  const exclusions = delivery.data?.preparation?.exclusions ?? {};

  const sending = (
    <LogTable<SendingLogEntry>
      title="Sending log"
      queryKey={['sending-log', id, status.value]}
      fetchPage={(cursor, limit) =>
        unwrap(
          api.GET('/deliveries/{id}/sending-logs', {
            params: {
              path: { id },
              query: {
                limit,
                ...(cursor ? { cursor } : {}),
                ...(status.value ? { status: status.value as Status } : {}),
              },
            },
          }),
        )
      }
      filter={
        <Select
          selectedOption={status}
          onChange={(e) => setStatus(e.detail.selectedOption)}
          options={STATUS_OPTIONS}
          inlineLabelText="Status"
          ariaLabel="Filter by status"
        />
      }
      empty="No recipient with this status"
      fileName={`${base}-sending-log${status.value ? `-${status.value}` : ''}.csv`}
      columns={[
        {
          id: 'profile',
          header: 'Profile',
          cell: (e) => <ProfileLink id={e.profileId} />,
          isRowHeader: true,
        },
        { id: 'email', header: 'Address', cell: (e) => e.email },
        {
          id: 'status',
          header: 'Status',
          cell: (e) => <StatusIndicator type={STATUS[e.status]}>{e.status}</StatusIndicator>,
        },
        {
          id: 'failure',
          header: 'Failure',
          cell: (e) => (e.failureType ? `${e.failureType}: ${e.failureReason ?? ''}` : ''),
        },
        { id: 'sentAt', header: 'Sent', cell: (e) => formatDateTime(e.sentAt) },
        { id: 'opens', header: 'Opens', cell: (e) => e.opens ?? 0 },
        { id: 'clicks', header: 'Clicks', cell: (e) => e.clicks ?? 0 },
      ]}
      csvColumns={[
        { header: 'recipientId', value: (e) => e.recipientId },
        { header: 'profileId', value: (e) => e.profileId },
        { header: 'email', value: (e) => e.email },
        { header: 'status', value: (e) => e.status },
        { header: 'failureType', value: (e) => e.failureType },
        { header: 'failureReason', value: (e) => e.failureReason },
        { header: 'sesMessageId', value: (e) => e.sesMessageId },
        { header: 'sentAt', value: (e) => e.sentAt },
        { header: 'deliveredAt', value: (e) => e.deliveredAt },
        { header: 'opens', value: (e) => e.opens ?? 0 },
        { header: 'clicks', value: (e) => e.clicks ?? 0 },
        { header: 'updatedAt', value: (e) => e.updatedAt },
      ]}
    />
  );

  const exclusion = (
    <SpaceBetween size="l">
      <Container header={<Header variant="h2">Exclusions by cause</Header>}>
        {Object.keys(exclusions).length === 0 ? (
          <Box color="text-body-secondary">No profile was excluded.</Box>
        ) : (
          <KeyValuePairs
            columns={3}
            items={Object.entries(exclusions).map(([cause, n]) => ({
              label: causeLabel(cause),
              value: (
                <span className="tabular" data-exclusion={cause}>
                  {formatCount(n)}
                </span>
              ),
            }))}
          />
        )}
      </Container>
      <LogTable<ExclusionLogEntry>
        title="Exclusion log"
        queryKey={['exclusion-log', id]}
        fetchPage={(cursor, limit) =>
          unwrap(
            api.GET('/deliveries/{id}/exclusion-logs', {
              params: { path: { id }, query: { limit, ...(cursor ? { cursor } : {}) } },
            }),
          )
        }
        empty="No profile was excluded"
        fileName={`${base}-exclusion-log.csv`}
        columns={[
          {
            id: 'profile',
            header: 'Profile',
            cell: (e) => <ProfileLink id={e.profileId} />,
            isRowHeader: true,
          },
          { id: 'email', header: 'Address', cell: (e) => e.email ?? '–' },
          { id: 'cause', header: 'Cause', cell: (e) => causeLabel(e.cause) },
          { id: 'status', header: 'Status', cell: (e) => e.status },
          { id: 'reason', header: 'Reason', cell: (e) => e.reason },
        ]}
        csvColumns={[
          { header: 'profileId', value: (e) => e.profileId },
          { header: 'email', value: (e) => e.email },
          { header: 'status', value: (e) => e.status },
          { header: 'cause', value: (e) => e.cause },
          { header: 'reason', value: (e) => e.reason },
          { header: 'at', value: (e) => e.at },
        ]}
      />
    </SpaceBetween>
  );

  const trackingPage = (cursor: string | undefined, limit: number) =>
    unwrap(
      api.GET('/deliveries/{id}/tracking-logs', {
        params: {
          path: { id },
          query: {
            limit,
            ...(cursor ? { cursor } : {}),
            ...(type.value ? { type: type.value as TrackingType } : {}),
          },
        },
      }),
    );
  const wanted = classification.value;
  const tracking = (
    <LogTable<TrackingLogEntry>
      title="Tracking log"
      description="Opens and clicks are classified human or machine from their user agent and timing; the Deployment block's human rates count the human ones."
      queryKey={['tracking-log', id, type.value, wanted]}
      fetchPage={
        wanted ? filteredPages(trackingPage, (e) => (e.classification ?? 'none') === wanted) : trackingPage
      }
      filter={
        <SpaceBetween direction="horizontal" size="xs">
          <div className="log-filter">
            <Select
              selectedOption={type}
              onChange={(e) => setType(e.detail.selectedOption)}
              options={TYPE_OPTIONS}
              inlineLabelText="Type"
              ariaLabel="Filter by type"
            />
          </div>
          <div className="log-filter">
            <Select
              selectedOption={classification}
              onChange={(e) => setClassification(e.detail.selectedOption)}
              options={CLASSIFICATION_OPTIONS}
              inlineLabelText="Classification"
              ariaLabel="Filter by classification"
            />
          </div>
        </SpaceBetween>
      }
      empty="No open, click or opt-out recorded with these filters"
      fileName={`${base}-tracking-log${type.value ? `-${type.value}` : ''}${wanted ? `-${wanted}` : ''}.csv`}
      columns={[
        {
          id: 'profile',
          header: 'Profile',
          cell: (e) => <ProfileLink id={e.profileId} />,
          isRowHeader: true,
        },
        { id: 'type', header: 'Type', cell: (e) => e.type },
        { id: 'at', header: 'When', cell: (e) => formatDateTime(e.at) },
        {
          id: 'classification',
          header: 'Classification',
          cell: (e) =>
            e.classification ? (
              <span data-classification={e.classification}>
                <StatusIndicator type={CLASSIFICATION_INDICATOR[e.classification]}>
                  {e.classification}
                </StatusIndicator>
                <Box variant="small" display="block" color="text-body-secondary">
                  {ruleLabel(e.classificationRule)}
                </Box>
              </span>
            ) : (
              <Box color="text-body-secondary">–</Box>
            ),
        },
        { id: 'link', header: 'Link', cell: (e) => e.link ?? '' },
        { id: 'agent', header: 'User agent', cell: (e) => e.userAgent ?? '' },
      ]}
      csvColumns={[
        { header: 'profileId', value: (e) => e.profileId },
        { header: 'recipientId', value: (e) => e.recipientId },
        { header: 'type', value: (e) => e.type },
        { header: 'at', value: (e) => e.at },
        { header: 'classification', value: (e) => e.classification },
        { header: 'classificationRule', value: (e) => e.classificationRule },
        { header: 'link', value: (e) => e.link },
        { header: 'userAgent', value: (e) => e.userAgent },
        { header: 'ipAddress', value: (e) => e.ipAddress },
        { header: 'sesMessageId', value: (e) => e.sesMessageId },
      ]}
    />
  );

  return (
    <SpaceBetween size="m">
      <Box>
        <Link
          href={`/console/deliveries/${id}`}
          onFollow={(e) => {
            e.preventDefault();
            navigate(`/console/deliveries/${id}`);
          }}
        >
          Open the dashboard of {label}
        </Link>
      </Box>
      <Tabs
        ariaLabel="Logs"
        tabs={[
          { id: 'sending', label: 'Sending', content: sending },
          { id: 'exclusion', label: 'Exclusion', content: exclusion },
          { id: 'tracking', label: 'Tracking', content: tracking },
        ]}
      />
    </SpaceBetween>
  );
};
