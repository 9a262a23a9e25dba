/**
 * One log of a delivery, paged through the API (50 entries a page, Cloudscape's open-ended pagination), with its
 * filter and a CSV export of every entry the filter keeps.
 */
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Pagination from '@cloudscape-design/components/pagination';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import { useInfiniteQuery } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { useNotifications } from '../../layout/notifications.tsx';
import { downloadText, toCsv } from '../../lib/csv.ts';
import { EmptyState, ErrorAlert, errorMessage } from '../../lib/errors.tsx';

export interface LogPage<T> {
  items: T[];
  nextCursor: string | null;
}

export const LogTable = <T,>({
  title,
  description,
  queryKey,
  fetchPage,
  columns,
  csvColumns,
  fileName,
  filter,
  empty,
}: {
  title: string;
  description?: ReactNode;
  queryKey: readonly unknown[];
  fetchPage: (cursor: string | undefined, limit: number) => Promise<LogPage<T>>;
  columns: TableProps.ColumnDefinition<T>[];
  csvColumns: ReadonlyArray<{ header: string; value: (row: T) => unknown }>;
  fileName: string;
  filter?: ReactNode;
  empty: string;
}) => {
  const { notify } = useNotifications();
  const [page, setPage] = useState(1);
  const [exporting, setExporting] = useState(false);
  const query = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage(pageParam || undefined, 50),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const pages = query.data?.pages ?? [];
  const current = pages[page - 1]?.items ?? [];

  const exportCsv = async () => {
    setExporting(true);
    try {
      const rows: T[] = [];
      let cursor: string | undefined;
      do {
        const next = await fetchPage(cursor, 100);
        rows.push(...next.items);
        cursor = next.nextCursor ?? undefined;
      } while (cursor);
      downloadText(fileName, toCsv(rows, csvColumns));
      notify({ type: 'success', content: `Exported ${rows.length} entries to ${fileName}.` });
    } catch (e) {
      notify({ type: 'error', header: 'Export failed', content: errorMessage(e) });
    } finally {
      setExporting(false);
    }
  };

  if (query.isError) return <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />;
  return (
    <Table
      items={current}
      loading={query.isPending || (query.isFetchingNextPage && !pages[page - 1])}
      loadingText="Loading entries"
      columnDefinitions={columns}
      resizableColumns
      wrapLines
      ariaLabels={{ tableLabel: title }}
      header={
        <Header
          variant="h2"
          description={description}
          actions={
            <Button
              iconName="download"
              onClick={() => void exportCsv()}
              loading={exporting}
              disabled={query.isPending}
            >
              Export CSV
            </Button>
          }
        >
          {title}
        </Header>
      }
      filter={filter}
      empty={<EmptyState title={empty} />}
      pagination={
        <Pagination
          currentPageIndex={page}
          pagesCount={Math.max(1, pages.length)}
          openEnd={query.hasNextPage}
          onChange={(event) => {
            const next = event.detail.currentPageIndex;
            if (next > pages.length && query.hasNextPage) void query.fetchNextPage();
            setPage(next);
          }}
          onNextPageClick={(event) => {
            if (!event.detail.requestedPageAvailable && query.hasNextPage) void query.fetchNextPage();
          }}
        />
      }
    />
  );
};
