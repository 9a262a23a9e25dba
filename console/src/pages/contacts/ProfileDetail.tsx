/**
 * A profile and its history: every message sent to it, newest first, with its status, opens and clicks; and, when
 * it opted out, when and from which message (the profile's `optOutAt` and `optOutSource`).
 */
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useNavigate, useParams } from 'react-router';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import { useDeliveries, useProfile, useProfileHistory } from '../../api/hooks.ts';
import { useBreadcrumbs } from '../../layout/Shell.tsx';
import { EmptyState, ErrorAlert } from '../../lib/errors.tsx';
import { formatDateTime } from '../../lib/format.ts';

export default function ProfileDetail() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const profile = useProfile(id);
  const history = useProfileHistory(id);
  // Labels of the top-level deliveries (an execution shows its id).
  const deliveries = useDeliveries();
  const labels = new Map((deliveries.data?.items ?? []).map((d) => [d.id, d.label]));
  useBreadcrumbs([
    { text: 'Profiles and audiences', href: '/console/audiences' },
    { text: `Profile ${id}`, href: `/console/profiles/${encodeURIComponent(id)}` },
  ]);
  const items = history.data?.pages.flatMap((p) => p.items) ?? [];
  const p = profile.data;
  const deliveryLink = (deliveryId: string) => (
    <Link
      href={`/console/deliveries/${deliveryId}`}
      onFollow={(e) => {
        e.preventDefault();
        navigate(`/console/deliveries/${deliveryId}`);
      }}
    >
      {labels.get(deliveryId) ?? deliveryId}
    </Link>
  );

  return (
    <ContentLayout
      header={
        <Header variant="h1">
          {p ? [p.firstName, p.lastName].filter(Boolean).join(' ') || p.id : `Profile ${id}`}
        </Header>
      }
    >
      <SpaceBetween size="l">
        {profile.isError ? <ErrorAlert error={profile.error} onRetry={() => void profile.refetch()} /> : null}
        <Container header={<Header variant="h2">Profile</Header>}>
          <KeyValuePairs
            columns={3}
            items={[
              { label: 'Profile id', value: id },
              { label: 'Email', value: p?.email ?? '–' },
              { label: 'Time zone', value: p?.timeZone ?? '–' },
              { label: 'Opted out', value: p ? (p.optOut ? 'Yes' : 'No') : '–' },
              { label: 'Updated', value: formatDateTime(p?.updatedAt) },
            ]}
          />
        </Container>
        {p?.optOut ? (
          <Alert type="info" header="Opted out">
            <span data-testid="opt-out">
              {p.optOutSource ? (
                <>
                  Opted out on {formatDateTime(p.optOutAt)} from the message of{' '}
                  {deliveryLink(p.optOutSource.deliveryId)} (SES message{' '}
                  <Box variant="code">{p.optOutSource.sesMessageId || 'unknown'}</Box>): preparation excludes
                  it from every delivery.
                </>
              ) : p.optOutAt ? (
                `Opted out on ${formatDateTime(p.optOutAt)} by an import or through the API: preparation excludes it from every delivery.`
              ) : (
                'Opted out by an import or through the API: preparation excludes it from every delivery.'
              )}
            </span>
          </Alert>
        ) : null}
        {history.isError ? <ErrorAlert error={history.error} onRetry={() => void history.refetch()} /> : null}
        <Table
          items={items}
          loading={history.isPending}
          loadingText="Loading the history"
          ariaLabels={{ tableLabel: 'Message history' }}
          header={
            <Header
              counter={history.data ? `(${items.length}${history.hasNextPage ? '+' : ''})` : undefined}
              description="Every message sent to this profile, newest first."
              actions={
                history.hasNextPage ? (
                  <Button onClick={() => void history.fetchNextPage()} loading={history.isFetchingNextPage}>
                    Load more
                  </Button>
                ) : undefined
              }
            >
              History
            </Header>
          }
          empty={<EmptyState title="No message sent to this profile yet" />}
          columnDefinitions={[
            { id: 'sentAt', header: 'Sent', cell: (h) => formatDateTime(h.sentAt), isRowHeader: true },
            {
              id: 'delivery',
              header: 'Delivery',
              cell: (h) => (
                <span>
                  {deliveryLink(h.deliveryId)}
                  {p?.optOutSource?.sesMessageId && p.optOutSource.sesMessageId === h.sesMessageId ? (
                    <Box variant="small" display="block" color="text-status-info" data-opted-out-here>
                      Opted out from this message
                    </Box>
                  ) : null}
                </span>
              ),
            },
            { id: 'email', header: 'Address', cell: (h) => h.email },
            {
              id: 'status',
              header: 'Status',
              cell: (h) => (
                <StatusIndicator
                  type={h.status === 'delivered' ? 'success' : h.status === 'failed' ? 'error' : 'info'}
                >
                  {h.status}
                </StatusIndicator>
              ),
            },
            { id: 'opens', header: 'Opens', cell: (h) => <span data-history-opens>{h.opens ?? 0}</span> },
            { id: 'clicks', header: 'Clicks', cell: (h) => <span data-history-clicks>{h.clicks ?? 0}</span> },
          ]}
        />
      </SpaceBetween>
    </ContentLayout>
  );
}
