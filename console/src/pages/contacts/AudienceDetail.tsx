/** An audience: its size and its members with their profiles, paged. */
import Button from '@cloudscape-design/components/button';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import Pagination from '@cloudscape-design/components/pagination';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { useAudience, useAudienceProfiles } from '../../api/hooks.ts';
import { useAuth } from '../../auth/session.tsx';
import { useBreadcrumbs } from '../../layout/Shell.tsx';
import { EmptyState, ErrorAlert } from '../../lib/errors.tsx';
import { formatCount } from '../../lib/format.ts';

export default function AudienceDetail() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const auth = useAuth();
  const audience = useAudience(id);
  const profiles = useAudienceProfiles(id);
  const [page, setPage] = useState(1);
  useBreadcrumbs([
    { text: 'Profiles and audiences', href: '/console/audiences' },
    { text: audience.data?.name ?? id, href: `/console/audiences/${id}` },
  ]);
  const pages = profiles.data?.pages ?? [];
  const items = pages[page - 1]?.items ?? [];

  if (audience.isError) return <ErrorAlert error={audience.error} onRetry={() => void audience.refetch()} />;
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={audience.data ? `${formatCount(audience.data.memberCount)} members` : undefined}
          actions={
            auth.can('profiles:write') ? (
              <Button
                variant="primary"
                onClick={() => navigate(`/console/import?audience=${encodeURIComponent(id)}`)}
              >
                Import contacts
              </Button>
            ) : undefined
          }
        >
          {audience.data?.name ?? 'Audience'}
        </Header>
      }
    >
      <SpaceBetween size="l">
        {profiles.isError ? (
          <ErrorAlert error={profiles.error} onRetry={() => void profiles.refetch()} />
        ) : null}
        <Table
          items={items}
          loading={profiles.isPending || (profiles.isFetchingNextPage && !pages[page - 1])}
          loadingText="Loading members"
          ariaLabels={{ tableLabel: 'Members' }}
          header={<Header>Members</Header>}
          empty={<EmptyState title="No member yet">Import contacts into this audience.</EmptyState>}
          columnDefinitions={[
            {
              id: 'id',
              header: 'Profile',
              isRowHeader: true,
              cell: (p) => (
                <Link
                  href={`/console/profiles/${encodeURIComponent(p.id)}`}
                  onFollow={(e) => {
                    e.preventDefault();
                    navigate(`/console/profiles/${encodeURIComponent(p.id)}`);
                  }}
                >
                  {p.id}
                </Link>
              ),
            },
            { id: 'email', header: 'Email', cell: (p) => p.email ?? '–' },
            {
              id: 'name',
              header: 'Name',
              cell: (p) => [p.firstName, p.lastName].filter(Boolean).join(' ') || '–',
            },
            { id: 'tz', header: 'Time zone', cell: (p) => p.timeZone ?? '–' },
            { id: 'optOut', header: 'Opted out', cell: (p) => (p.optOut ? 'Yes' : 'No') },
          ]}
          pagination={
            <Pagination
              currentPageIndex={page}
              pagesCount={Math.max(1, pages.length)}
              openEnd={profiles.hasNextPage}
              onChange={(event) => {
                const next = event.detail.currentPageIndex;
                if (next > pages.length && profiles.hasNextPage) void profiles.fetchNextPage();
                setPage(next);
              }}
            />
          }
        />
      </SpaceBetween>
    </ContentLayout>
  );
}
