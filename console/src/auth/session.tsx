/**
 * Who is signed in. Locally: the demo users of the embedded runtime (`POST /local/sign-in`), the token kept for
 * the tab's life (sessionStorage). In AWS: Cognito's managed login with the authorization code flow and PKCE
 * (oidc-client-ts); the console sends the ID token, as the HTTP API's JWT authorizer expects.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { type Action, can as roleCan } from '#domain/roles.ts';
import type { ConsoleConfig } from '../config.ts';
import { cognitoManager, signOutUri } from './cognito.ts';
import { type Session, sessionFromToken } from './token.ts';

const STORAGE_KEY = 'confirm-and-send.session';

interface AuthValue {
  config: ConsoleConfig;
  session: Session | null;
  /** Why the last session ended (shown on the sign-in page), if it did not end by signing out. */
  notice: string | null;
  signInLocal(username: string, groups: string[]): Promise<void>;
  signInCognito(returnTo: string): Promise<void>;
  /** Completes Cognito's redirect; answers where to go next. */
  completeCognito(): Promise<string>;
  signOut(): Promise<void>;
  can(action: Action): boolean;
}

const AuthContext = createContext<AuthValue | null>(null);

/** Fired by the API client when the API answers 401: the session has ended. */
export const SESSION_EXPIRED_EVENT = 'confirm-and-send:session-expired';

/** The token requests carry (read when each request is made). */
export const currentToken = (): string | null => sessionStorage.getItem(STORAGE_KEY);

const stored = (): Session | null => {
  const token = sessionStorage.getItem(STORAGE_KEY);
  const session = token ? sessionFromToken(token) : null;
  return session && session.expiresAt > Date.now() ? session : null;
};

export const AuthProvider = ({ config, children }: { config: ConsoleConfig; children: ReactNode }) => {
  const [session, setSession] = useState<Session | null>(stored);
  const [notice, setNotice] = useState<string | null>(null);

  const keep = useCallback((token: string) => {
    const next = sessionFromToken(token);
    if (!next) throw new Error('The sign-in answered a token the console cannot read.');
    sessionStorage.setItem(STORAGE_KEY, token);
    setNotice(null);
    setSession(next);
  }, []);

  useEffect(() => {
    const expired = () => {
      if (!sessionStorage.getItem(STORAGE_KEY)) return;
      sessionStorage.removeItem(STORAGE_KEY);
      setNotice('Your session has ended. Sign in again.');
      setSession(null);
    };
    window.addEventListener(SESSION_EXPIRED_EVENT, expired);
    return () => window.removeEventListener(SESSION_EXPIRED_EVENT, expired);
  }, []);

  const value = useMemo<AuthValue>(
    () => ({
      config,
      session,
      notice,
      async signInLocal(username, groups) {
        const response = await fetch(`${config.apiUrl}/local/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, groups }),
        });
        const body = (await response.json()) as { token?: string; error?: { message?: string } };
        if (!response.ok || !body.token)
          throw new Error(body.error?.message ?? `Sign-in answered ${response.status}`);
        keep(body.token);
      },
      async signInCognito(returnTo) {
        if (config.auth.mode !== 'cognito') throw new Error('Cognito sign-in is not configured');
        await cognitoManager(config.auth).signinRedirect({ state: { returnTo } });
      },
      async completeCognito() {
        if (config.auth.mode !== 'cognito') throw new Error('Cognito sign-in is not configured');
        const user = await cognitoManager(config.auth).signinRedirectCallback();
        if (!user.id_token) throw new Error('Cognito answered no ID token');
        keep(user.id_token);
        return (user.state as { returnTo?: string } | undefined)?.returnTo ?? '/console/deliveries';
      },
      async signOut() {
        sessionStorage.removeItem(STORAGE_KEY);
        setSession(null);
        if (config.auth.mode === 'cognito') {
          const manager = cognitoManager(config.auth);
          await manager.removeUser();
          // Cognito's managed login ends its own session at /logout (it has no OIDC end_session_endpoint).
          const url = new URL('/logout', config.auth.domain);
          url.searchParams.set('client_id', config.auth.clientId);
          url.searchParams.set('logout_uri', signOutUri(config.auth));
          window.location.assign(url.toString());
        }
      },
      can(action) {
        return session ? roleCan(session.roles, action) : false;
      },
    }),
    [config, session, notice, keep],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
};

export const useAuth = (): AuthValue => {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
};
