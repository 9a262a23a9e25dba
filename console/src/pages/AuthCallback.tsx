/** Where Cognito's managed login comes back to (authorization code + PKCE), before going where the user was. */
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Link from '@cloudscape-design/components/link';
import Spinner from '@cloudscape-design/components/spinner';
import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useAuth } from '../auth/session.tsx';
import { errorMessage } from '../lib/errors.tsx';

export default function AuthCallback() {
  const auth = useAuth();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    auth.completeCognito().then(
      (returnTo) => navigate(returnTo, { replace: true }),
      (e: unknown) => setError(errorMessage(e)),
    );
  }, [auth, navigate]);
  return (
    <Box padding="xxl" textAlign="center">
      {error ? (
        <Alert type="error" header="Sign-in did not complete">
          {error} <Link href="/console/sign-in">Sign in again</Link>
        </Alert>
      ) : (
        <Spinner size="large" />
      )}
    </Box>
  );
}
