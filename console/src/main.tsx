/** Start: read /config.json, then render the console (or say why it cannot start). */
import '@cloudscape-design/global-styles/index.css';
import './styles.css';
import { I18nProvider } from '@cloudscape-design/components/i18n';
import messages from '@cloudscape-design/components/i18n/messages/all.en';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError } from './api/client.ts';
import { ApiProvider } from './api/context.tsx';
import { App } from './App.tsx';
import { AuthProvider } from './auth/session.tsx';
import { loadConfig } from './config.ts';
import { NotificationsProvider } from './layout/notifications.tsx';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 2000,
      // A 4xx will answer the same again: only network and server errors are retried.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
});

const root = createRoot(document.getElementById('root')!);

try {
  const config = await loadConfig();
  root.render(
    <StrictMode>
      <I18nProvider locale="en" messages={[messages]}>
        <QueryClientProvider client={queryClient}>
          <AuthProvider config={config}>
            <ApiProvider>
              <NotificationsProvider>
                <App />
              </NotificationsProvider>
            </ApiProvider>
          </AuthProvider>
        </QueryClientProvider>
      </I18nProvider>
    </StrictMode>,
  );
} catch (error) {
  root.render(
    <main style={{ fontFamily: 'sans-serif', margin: '3rem' }}>
      <h1>The console cannot start</h1>
      <p>{(error as Error).message}</p>
    </main>,
  );
}
