/** Profiles and audiences: the audiences with their sizes, a new audience, a profile by id, and the import. */
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Link from '@cloudscape-design/components/link';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useAudiences, useCreateAudience } from '../../api/hooks.ts';
import { useAuth } from '../../auth/session.tsx';
import { useBreadcrumbs } from '../../layout/Shell.tsx';
import { useNotifications } from '../../layout/notifications.tsx';
import { EmptyState, ErrorAlert, errorMessage } from '../../lib/errors.tsx';
import { formatCount, formatDateTime } from '../../lib/format.ts';

export default function Audiences() {
  useBreadcrumbs([{ text: 'Profiles and audiences', href: '/console/audiences' }]);
  const navigate = useNavigate();
  const auth = useAuth();
  const { notify } = useNotifications();
  const query = useAudiences();
  const create = useCreateAudience();
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | null>(null);
  const [profileId, setProfileId] = useState('');
  const items = query.data?.items ?? [];
  const canWrite = auth.can('audiences:write');

  const submit = () => {
    if (!name.trim()) return setNameError('Give the audience a name.');
    create.mutate(name.trim(), {
      onSuccess: (audience) => {
        setCreating(false);
        setName('');
        notify({ type: 'success', content: `Created the audience "${audience.name}".` });
        navigate(`/console/audiences/${audience.id}`);
      },
      onError: (e) => setNameError(errorMessage(e)),
    });
  };

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description="Contacts and the audiences deliveries are sent to."
          actions={
            canWrite ? (
              <SpaceBetween direction="horizontal" size="xs">
                <Button onClick={() => setCreating(true)}>Create audience</Button>
                <Button variant="primary" onClick={() => navigate('/console/import')}>
                  Import contacts
                </Button>
              </SpaceBetween>
            ) : undefined
          }
        >
          Profiles and audiences
        </Header>
      }
    >
      <SpaceBetween size="l">
        {query.isError ? <ErrorAlert error={query.error} onRetry={() => void query.refetch()} /> : null}
        <Table
          items={items}
          loading={query.isPending}
          loadingText="Loading audiences"
          ariaLabels={{ tableLabel: 'Audiences' }}
          header={<Header counter={query.data ? `(${items.length})` : undefined}>Audiences</Header>}
          empty={
            <EmptyState
              title="No audience yet"
              action={
                canWrite ? (
                  <Button onClick={() => navigate('/console/import')}>Import contacts</Button>
                ) : undefined
              }
            >
              Import a CSV of contacts or an Amazon Pinpoint export into a new audience.
            </EmptyState>
          }
          columnDefinitions={[
            {
              id: 'name',
              header: 'Name',
              isRowHeader: true,
              cell: (a) => (
                <Link
                  href={`/console/audiences/${a.id}`}
                  onFollow={(e) => {
                    e.preventDefault();
                    navigate(`/console/audiences/${a.id}`);
                  }}
                >
                  {a.name}
                </Link>
              ),
            },
            {
              id: 'members',
              header: 'Members',
              cell: (a) => <span className="tabular">{formatCount(a.memberCount)}</span>,
            },
            { id: 'created', header: 'Created', cell: (a) => formatDateTime(a.createdAt) },
          ]}
        />
        <Container header={<Header variant="h2">Find a profile</Header>}>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (profileId.trim()) navigate(`/console/profiles/${encodeURIComponent(profileId.trim())}`);
            }}
          >
            <Form actions={<Button formAction="submit">Open profile</Button>}>
              <FormField
                label="Profile id"
                description="The profile's page shows every message sent to it, with its opens and clicks."
              >
                <Input
                  value={profileId}
                  onChange={(e) => setProfileId(e.detail.value)}
                  placeholder="e.g. demo-0001"
                />
              </FormField>
            </Form>
          </form>
        </Container>
      </SpaceBetween>
      <Modal
        visible={creating}
        onDismiss={() => setCreating(false)}
        header="Create audience"
        closeAriaLabel="Close"
        footer={
          <SpaceBetween direction="horizontal" size="xs" alignItems="end">
            <Button variant="link" onClick={() => setCreating(false)}>
              Cancel
            </Button>
            <Button variant="primary" onClick={submit} loading={create.isPending}>
              Create
            </Button>
          </SpaceBetween>
        }
      >
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <FormField label="Name" errorText={nameError}>
            <Input
              value={name}
              onChange={(e) => {
                setName(e.detail.value);
                setNameError(null);
              }}
            />
          </FormField>
        </form>
      </Modal>
    </ContentLayout>
  );
}
