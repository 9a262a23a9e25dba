/**
 * Sign in. Locally: the demo users of the embedded runtime, each with their roles (with and without Start
 * deliveries, an administrator, a workflow user), or any name and roles. In AWS: Cognito's managed login.
 */
import Alert from '@cloudscape-design/components/alert';
import AppLayout from '@cloudscape-design/components/app-layout';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Cards from '@cloudscape-design/components/cards';
import ContentLayout from '@cloudscape-design/components/content-layout';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Multiselect, { type MultiselectProps } from '@cloudscape-design/components/multiselect';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { ROLES } from '#domain/roles.ts';
import { useAuth } from '../auth/session.tsx';
import { errorMessage } from '../lib/errors.tsx';

const ROLE_OPTIONS: MultiselectProps.Option[] = ROLES.map((role) => ({ value: role, label: role }));

const safeReturn = (value: string | null) =>
  value && value.startsWith('/console/') ? value : '/console/deliveries';

export default function SignIn() {
  const auth = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const returnTo = safeReturn(params.get('returnTo'));
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [username, setUsername] = useState('');
  const [roles, setRoles] = useState<readonly MultiselectProps.Option[]>([]);

  if (auth.session) return <Navigate to={returnTo} replace />;

  const signIn = async (name: string, groups: string[]) => {
    setBusy(name);
    setError(null);
    try {
      await auth.signInLocal(name, groups);
      navigate(returnTo, { replace: true });
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  const content =
    auth.config.auth.mode === 'local' ? (
      <SpaceBetween size="l">
        <Cards
          ariaLabels={{ itemSelectionLabel: () => '', selectionGroupLabel: 'Demo users' }}
          cardDefinition={{
            header: (user) => user.username,
            sections: [
              { id: 'description', content: (user) => user.description },
              { id: 'groups', header: 'Roles', content: (user) => user.groups.join(', ') || 'none' },
              {
                id: 'action',
                content: (user) => (
                  <Button
                    variant="primary"
                    loading={busy === user.username}
                    ariaLabel={`Sign in as ${user.username}`}
                    onClick={() => void signIn(user.username, user.groups)}
                  >
                    Sign in as {user.username}
                  </Button>
                ),
              },
            ],
          }}
          cardsPerRow={[{ cards: 1 }, { minWidth: 600, cards: 2 }, { minWidth: 1100, cards: 4 }]}
          items={auth.config.auth.users}
          header={
            <Header
              variant="h2"
              description="Local identities of the embedded runtime: no password, never deployed."
            >
              Demo users
            </Header>
          }
        />
        <ExpandableSection headerText="Another user" variant="container">
          <form
            onSubmit={(event) => {
              event.preventDefault();
              void signIn(
                username.trim(),
                roles.map((r) => r.value!),
              );
            }}
          >
            <Form
              actions={
                <Button variant="primary" formAction="submit" loading={busy === username.trim()}>
                  Sign in
                </Button>
              }
            >
              <SpaceBetween size="m">
                <FormField label="User name" constraintText="Letters, digits or _ . @ + -">
                  <Input value={username} onChange={(e) => setUsername(e.detail.value)} />
                </FormField>
                <FormField label="Roles">
                  <Multiselect
                    selectedOptions={roles}
                    onChange={(e) => setRoles(e.detail.selectedOptions)}
                    options={ROLE_OPTIONS}
                    placeholder="No role"
                  />
                </FormField>
              </SpaceBetween>
            </Form>
          </form>
        </ExpandableSection>
      </SpaceBetween>
    ) : (
      <Box>
        <Button
          variant="primary"
          loading={busy === 'cognito'}
          onClick={() => {
            setBusy('cognito');
            auth.signInCognito(returnTo).catch((e: unknown) => {
              setBusy(null);
              setError(errorMessage(e));
            });
          }}
        >
          Sign in
        </Button>
      </Box>
    );

  return (
    <AppLayout
      navigationHide
      toolsHide
      content={
        <ContentLayout
          header={
            <Header variant="h1" description="Prepare, confirm and follow email deliveries.">
              Sign in to Confirm and send
            </Header>
          }
        >
          <SpaceBetween size="l">
            {auth.notice ? <Alert type="info">{auth.notice}</Alert> : null}
            {error ? (
              <Alert type="error" header="Could not sign in">
                {error}
              </Alert>
            ) : null}
            {content}
          </SpaceBetween>
        </ContentLayout>
      }
    />
  );
}
