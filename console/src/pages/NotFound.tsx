import Button from '@cloudscape-design/components/button';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import { useNavigate, useRouteError } from 'react-router';
import { EmptyState, ErrorAlert } from '../lib/errors.tsx';

export const NotFound = () => {
  const navigate = useNavigate();
  return (
    <ContentLayout header={<Header variant="h1">Page not found</Header>}>
      <EmptyState
        title="There is no page at this address."
        action={<Button onClick={() => navigate('/console/deliveries')}>Go to deliveries</Button>}
      />
    </ContentLayout>
  );
};

export const RouteError = () => {
  const error = useRouteError();
  return (
    <ContentLayout header={<Header variant="h1">Something went wrong</Header>}>
      <ErrorAlert
        error={error}
        onRetry={() => window.location.reload()}
        header="This screen could not be shown"
      />
    </ContentLayout>
  );
};
