/**
 * Deliveries: state (Adobe Campaign's groups and the exact states), label search, contact date, To deliver, Sent,
 * Delivered %, paged. The 1,000 newest top-level deliveries are read (and re-read while one moves) and filtered
 * here with Cloudscape's collection hooks.
 */
import { useCollection } from '@cloudscape-design/collection-hooks';
import Alert from '@cloudscape-design/components/alert';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import Pagination from '@cloudscape-design/components/pagination';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import { useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import type { Delivery } from '../../api/client.ts';
import { MAX_LISTED, useDeliveries } from '../../api/hooks.ts';
import { useAuth } from '../../auth/session.tsx';
import { useBreadcrumbs } from '../../layout/Shell.tsx';
import { EmptyState, ErrorAlert } from '../../lib/errors.tsx';
import { formatContactDate, formatCount, formatRate } from '../../lib/format.ts';
import { ALL_OPTION, matchesStateFilter, STATE_FILTER_OPTIONS, StateIndicator } from '../../lib/states.tsx';

const flatOptions = STATE_FILTER_OPTIONS.flatMap((o) => ('options' in o ? o.options : [o]));

const contactDate = (d: Delivery) =>
  d.recurrence
    ? `Recurring: ${d.recurrence.expression} (${d.recurrence.timeZone})`
    : formatContactDate(d.schedule);

export default function DeliveryList() {
  useBreadcrumbs([{ text: 'Deliveries', href: '/console/deliveries' }]);
  const navigate = useNavigate();
  const auth = useAuth();
  const [params, setParams] = useSearchParams();
  const [filter, setFilter] = useState(params.get('state') ?? 'all');
  const [text, setText] = useState('');
  const query = useDeliveries();
  const items = query.data?.items ?? [];
  const search = text.toLowerCase().trim();
  const filtered = items.filter(
    (d) => matchesStateFilter(d.state, filter) && (!search || d.label.toLowerCase().includes(search)),
  );
  const clear = () => {
    setText('');
    setFilter('all');
    setParams({});
  };
  const {
    items: shown,
    collectionProps,
    paginationProps,
    actions,
  } = useCollection(filtered, {
    pagination: { pageSize: 20 },
    sorting: { defaultState: { sortingColumn: { sortingField: 'createdAt' }, isDescending: true } },
  });
  const empty =
    items.length === 0 ? (
      <EmptyState
        title="No deliveries yet"
        action={
          auth.can('delivery:create') ? (
            <Button onClick={() => navigate('/console/deliveries/new')}>Create delivery</Button>
          ) : undefined
        }
      >
        A delivery is a message, an audience and a schedule: create one, prepare it, then confirm the send.
      </EmptyState>
    ) : (
      <EmptyState title="No match" action={<Button onClick={clear}>Clear filters</Button>}>
        No delivery matches the search and the state filter.
      </EmptyState>
    );
  const selected = flatOptions.find((o) => o.value === filter) ?? ALL_OPTION;

  return (
    <SpaceBetween size="m">
      {query.isError ? <ErrorAlert error={query.error} onRetry={() => void query.refetch()} /> : null}
      {query.data?.truncated ? <Alert type="info">Showing the {MAX_LISTED} newest deliveries.</Alert> : null}
      <Table
        {...collectionProps}
        variant="full-page"
        loading={query.isPending}
        loadingText="Loading deliveries"
        empty={empty}
        items={shown}
        trackBy="id"
        resizableColumns
        stickyHeader
        ariaLabels={{ tableLabel: 'Deliveries' }}
        header={
          <Header
            variant="awsui-h1-sticky"
            counter={query.data ? `(${filtered.length})` : undefined}
            description="Prepare a delivery, confirm the send, follow its Deployment block."
            actions={
              auth.can('delivery:create') ? (
                <Button variant="primary" onClick={() => navigate('/console/deliveries/new')}>
                  Create delivery
                </Button>
              ) : undefined
            }
          >
            Deliveries
          </Header>
        }
        filter={
          <SpaceBetween size="s" direction="horizontal">
            <TextFilter
              filteringText={text}
              onChange={(event) => {
                setText(event.detail.filteringText);
                actions.setCurrentPage(1);
              }}
              filteringPlaceholder="Search by label"
              filteringAriaLabel="Search deliveries by label"
              countText={search ? `${filtered.length} matches` : undefined}
            />
            <Select
              selectedOption={selected}
              options={STATE_FILTER_OPTIONS}
              onChange={(event) => {
                const value = event.detail.selectedOption.value ?? 'all';
                setFilter(value);
                setParams(value === 'all' ? {} : { state: value });
                actions.setCurrentPage(1);
              }}
              ariaLabel="Filter by state"
              inlineLabelText="State"
            />
          </SpaceBetween>
        }
        pagination={<Pagination {...paginationProps} />}
        columnDefinitions={[
          {
            id: 'state',
            header: 'State',
            cell: (d) => <StateIndicator state={d.state} />,
            sortingField: 'state',
            minWidth: 150,
          },
          {
            id: 'label',
            header: 'Label',
            cell: (d) => (
              <Link
                href={`/console/deliveries/${d.id}`}
                onFollow={(event) => {
                  event.preventDefault();
                  navigate(`/console/deliveries/${d.id}`);
                }}
              >
                {d.label}
              </Link>
            ),
            sortingField: 'label',
            isRowHeader: true,
            minWidth: 200,
          },
          { id: 'contact', header: 'Contact date', cell: contactDate, minWidth: 180 },
          {
            id: 'toDeliver',
            header: 'To deliver',
            cell: (d) => <span className="tabular">{formatCount(d.deployment.kpis.toDeliver)}</span>,
            sortingComparator: (a, b) => a.deployment.kpis.toDeliver - b.deployment.kpis.toDeliver,
          },
          {
            id: 'sent',
            header: 'Sent',
            cell: (d) => <span className="tabular">{formatCount(d.deployment.kpis.sent)}</span>,
            sortingComparator: (a, b) => a.deployment.kpis.sent - b.deployment.kpis.sent,
          },
          {
            id: 'delivered',
            header: 'Delivered',
            cell: (d) => <span className="tabular">{formatRate(d.deployment.kpis.deliveredRate)}</span>,
            sortingComparator: (a, b) => a.deployment.kpis.deliveredRate - b.deployment.kpis.deliveredRate,
          },
          {
            id: 'createdAt',
            header: 'Created',
            cell: (d) => d.createdAt.slice(0, 10),
            sortingField: 'createdAt',
          },
        ]}
      />
    </SpaceBetween>
  );
}
