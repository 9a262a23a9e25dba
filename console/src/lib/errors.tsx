/** Loading, empty and error states every screen shares. */
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { ReactNode } from 'react';
import { ApiError } from '../api/client.ts';

export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : 'Something went wrong.';

/** An error from a read, with a way to try again. */
export const ErrorAlert = ({
  error,
  onRetry,
  header,
}: {
  error: unknown;
  onRetry?: () => void;
  header?: string;
}) => (
  <Alert
    type="error"
    header={
      header ?? (error instanceof ApiError && error.status === 404 ? 'Not found' : 'Could not load this')
    }
    action={onRetry ? <Button onClick={onRetry}>Try again</Button> : undefined}
  >
    {errorMessage(error)}
  </Alert>
);

export const EmptyState = ({
  title,
  children,
  action,
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}) => (
  <Box textAlign="center" color="inherit" padding={{ vertical: 'l' }}>
    <SpaceBetween size="xs">
      <Box variant="strong" color="inherit">
        {title}
      </Box>
      {children ? (
        <Box variant="p" color="inherit">
          {children}
        </Box>
      ) : null}
      {action}
    </SpaceBetween>
  </Box>
);
