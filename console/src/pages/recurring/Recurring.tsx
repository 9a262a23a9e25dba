/**
 * Recurring deliveries and their executions, newest first, each with its KPIs; a waiting execution (Request
 * confirmation before sending messages) is confirmed from here by a Start deliveries user.
 */
import Alert from '@cloudscape-design/components/alert';
import Button from '@cloudscape-design/components/button';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { CONFIRM_REFUSED } from '#domain/roles.ts';
import type { Delivery } from '../../api/client.ts';
import { useDeliveries, useDelivery, useDeliveryAction, useExecutions } from '../../api/hooks.ts';
import { useAuth } from '../../auth/session.tsx';
import { useBreadcrumbs } from '../../layout/Shell.tsx';
import { useNotifications } from '../../layout/notifications.tsx';
import { ConfirmModal } from '../../lib/ConfirmModal.tsx';
import { EmptyState, ErrorAlert, errorMessage } from '../../lib/errors.tsx';
import { formatCount, formatDateTime, formatRate } from '../../lib/format.ts';
import { StateIndicator } from '../../lib/states.tsx';

const DeliveryLink = ({ delivery, text }: { delivery: Delivery; text?: string }) => {
  const navigate = useNavigate();
  return (
    <Link
      href={`/console/deliveries/${delivery.id}`}
      onFollow={(e) => {
        e.preventDefault();
        navigate(`/console/deliveries/${delivery.id}`);
      }}
    >
      {text ?? delivery.label}
    </Link>
  );
};

export default function Recurring() {
  const { id } = useParams();
  return id ? <Executions id={id} /> : <RecurringList />;
}

const RecurringList = () => {
  useBreadcrumbs([{ text: 'Recurring deliveries', href: '/console/recurring' }]);
  const navigate = useNavigate();
  const query = useDeliveries();
  const items = (query.data?.items ?? []).filter((d) => d.recurrence);
  return (
    <SpaceBetween size="m">
      {query.isError ? <ErrorAlert error={query.error} onRetry={() => void query.refetch()} /> : null}
      <Table
        variant="full-page"
        items={items}
        loading={query.isPending}
        loadingText="Loading deliveries"
        ariaLabels={{ tableLabel: 'Recurring deliveries' }}
        header={
          <Header
            variant="awsui-h1-sticky"
            counter={`(${items.length})`}
            description="One execution per occurrence of the schedule."
          >
            Recurring deliveries
          </Header>
        }
        empty={
          <EmptyState
            title="No recurring delivery"
            action={<Button onClick={() => navigate('/console/deliveries/new')}>Create delivery</Button>}
          >
            Create a delivery and choose "Recurring delivery" in its schedule.
          </EmptyState>
        }
        columnDefinitions={[
          { id: 'label', header: 'Label', cell: (d) => <DeliveryLink delivery={d} />, isRowHeader: true },
          { id: 'state', header: 'State', cell: (d) => <StateIndicator state={d.state} /> },
          {
            id: 'schedule',
            header: 'Schedule',
            cell: (d) => `${d.recurrence!.expression} (${d.recurrence!.timeZone})`,
          },
          {
            id: 'confirm',
            header: 'Confirmation',
            cell: (d) =>
              d.recurrence!.requestConfirmation
                ? 'Requested before each execution'
                : 'Sends after preparation',
          },
          {
            id: 'executions',
            header: 'Executions',
            cell: (d) => (
              <Link
                href={`/console/recurring/${d.id}`}
                onFollow={(e) => {
                  e.preventDefault();
                  navigate(`/console/recurring/${d.id}`);
                }}
              >
                View executions
              </Link>
            ),
          },
        ]}
      />
    </SpaceBetween>
  );
};

const Executions = ({ id }: { id: string }) => {
  const auth = useAuth();
  const { notify } = useNotifications();
  const parent = useDelivery(id);
  const executions = useExecutions(id);
  const action = useDeliveryAction();
  const [confirming, setConfirming] = useState<Delivery | null>(null);
  useBreadcrumbs([
    { text: 'Recurring deliveries', href: '/console/recurring' },
    { text: parent.data?.label ?? id, href: `/console/recurring/${id}` },
  ]);
  const canConfirm = auth.can('delivery:confirm');
  const items = executions.data?.items ?? [];
  const waiting = items.some((d) => d.state === 'ready');

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={
            parent.data?.recurrence
              ? `${parent.data.recurrence.expression} (${parent.data.recurrence.timeZone}) · ${parent.data.recurrence.requestConfirmation ? 'each execution waits for a confirm' : 'each execution sends after preparation'}`
              : undefined
          }
          actions={
            parent.data ? (
              <DeliveryLink delivery={parent.data} text="Open the recurring delivery" />
            ) : undefined
          }
        >
          {parent.data?.label ?? 'Executions'}
        </Header>
      }
    >
      <SpaceBetween size="l">
        {parent.isError ? <ErrorAlert error={parent.error} onRetry={() => void parent.refetch()} /> : null}
        {waiting && !canConfirm ? (
          <Alert type="info" header="Information">
            {CONFIRM_REFUSED}
          </Alert>
        ) : null}
        {executions.isError ? (
          <ErrorAlert error={executions.error} onRetry={() => void executions.refetch()} />
        ) : null}
        <Table
          items={items}
          loading={executions.isPending}
          loadingText="Loading executions"
          ariaLabels={{ tableLabel: 'Executions' }}
          header={<Header counter={`(${items.length})`}>Executions, newest first</Header>}
          empty={
            <EmptyState title="No execution yet">
              The first occurrence of the schedule creates one.
            </EmptyState>
          }
          columnDefinitions={[
            {
              id: 'created',
              header: 'Created',
              cell: (d) => <DeliveryLink delivery={d} text={formatDateTime(d.createdAt)} />,
              isRowHeader: true,
            },
            { id: 'state', header: 'State', cell: (d) => <StateIndicator state={d.state} /> },
            { id: 'toDeliver', header: 'To deliver', cell: (d) => formatCount(d.deployment.kpis.toDeliver) },
            { id: 'sent', header: 'Sent', cell: (d) => formatCount(d.deployment.kpis.sent) },
            {
              id: 'delivered',
              header: 'Delivered',
              cell: (d) => formatRate(d.deployment.kpis.deliveredRate),
            },
            {
              id: 'bounces',
              header: 'Bounces + errors',
              cell: (d) => formatRate(d.deployment.kpis.bouncesAndErrorsRate),
            },
            { id: 'open', header: 'Open rate', cell: (d) => formatRate(d.deployment.kpis.openRate) },
            {
              id: 'ctr',
              header: 'Click-through rate',
              cell: (d) => formatRate(d.deployment.kpis.clickThroughRate),
            },
            {
              id: 'action',
              header: 'Action',
              cell: (d) =>
                d.state === 'ready' && canConfirm ? (
                  <Button
                    variant="primary"
                    ariaLabel={`Confirm send: execution of ${formatDateTime(d.createdAt)}`}
                    onClick={() => setConfirming(d)}
                  >
                    Confirm send
                  </Button>
                ) : (
                  ''
                ),
            },
          ]}
        />
      </SpaceBetween>
      <ConfirmModal
        visible={confirming !== null}
        header="Confirm send"
        confirmText="OK"
        loading={action.isPending}
        onCancel={() => setConfirming(null)}
        onConfirm={() => {
          if (!confirming) return;
          action.mutate(
            { id: confirming.id, action: 'confirm' },
            {
              onSuccess: () => {
                setConfirming(null);
                notify({ type: 'success', content: 'Execution confirmed: sending.' });
                void executions.refetch();
              },
              onError: (e) => {
                setConfirming(null);
                notify({ type: 'error', header: 'Refused', content: errorMessage(e) });
              },
            },
          );
        }}
      >
        Messages are ready to be sent immediately.
      </ConfirmModal>
    </ContentLayout>
  );
};
