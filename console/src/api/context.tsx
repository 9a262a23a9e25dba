/** The API client for the signed-in user, shared by every screen. */
import { createContext, type ReactNode, useContext, useMemo } from 'react';
import { currentToken, SESSION_EXPIRED_EVENT, useAuth } from '../auth/session.tsx';
import { type Api, createApi } from './client.ts';

const ApiContext = createContext<Api | null>(null);

export const ApiProvider = ({ children }: { children: ReactNode }) => {
  const { apiUrl } = useAuth().config;
  const api = useMemo(
    () =>
      createApi({
        baseUrl: apiUrl,
        token: currentToken,
        onUnauthorized: () => window.dispatchEvent(new Event(SESSION_EXPIRED_EVENT)),
      }),
    [apiUrl],
  );
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
};

export const useApi = (): Api => {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiProvider');
  return api;
};
