/** Cognito's managed login through oidc-client-ts: authorization code with PKCE (its default for `code`). */
import { UserManager, WebStorageStateStore } from 'oidc-client-ts';
import type { AuthConfig } from '../config.ts';

let manager: UserManager | null = null;

/** Where managed login returns after signing out: the URL the app client allows (config.json), or this origin's. */
export const signOutUri = (auth: Extract<AuthConfig, { mode: 'cognito' }>): string =>
  auth.signOutUri ?? `${window.location.origin}/console/sign-in`;

export const cognitoManager = (auth: Extract<AuthConfig, { mode: 'cognito' }>): UserManager => {
  manager ??= new UserManager({
    authority: auth.authority,
    client_id: auth.clientId,
    redirect_uri: auth.redirectUri ?? `${window.location.origin}/console/auth/callback`,
    post_logout_redirect_uri: signOutUri(auth),
    response_type: 'code',
    scope: auth.scope ?? 'openid email profile',
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    automaticSilentRenew: false,
  });
  return manager;
};
