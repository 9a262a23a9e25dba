/**
 * Routes. Every screen is its own chunk (route `lazy`), loaded when first visited. The console's own paths live
 * under /console/, which no API route uses: the embedded runtime serves index.html for them on a reload.
 */
import Spinner from '@cloudscape-design/components/spinner';
import Box from '@cloudscape-design/components/box';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import type { ComponentType } from 'react';
import { Shell } from './layout/Shell.tsx';
import { NotFound, RouteError } from './pages/NotFound.tsx';

const Loading = () => (
  <Box padding="xxl" textAlign="center">
    <Spinner size="large" />
  </Box>
);

const screen = (load: () => Promise<{ default: ComponentType }>) => async () => ({
  Component: (await load()).default,
});

const router = createBrowserRouter([
  { path: '/', element: <Navigate to="/console/deliveries" replace /> },
  { path: '/console/sign-in', lazy: screen(() => import('./pages/SignIn.tsx')), HydrateFallback: Loading },
  {
    path: '/console/auth/callback',
    lazy: screen(() => import('./pages/AuthCallback.tsx')),
    HydrateFallback: Loading,
  },
  {
    path: '/console',
    element: <Shell />,
    errorElement: (
      <Shell>
        <RouteError />
      </Shell>
    ),
    HydrateFallback: Loading,
    children: [
      { index: true, element: <Navigate to="/console/deliveries" replace /> },
      { path: 'deliveries', lazy: screen(() => import('./pages/deliveries/DeliveryList.tsx')) },
      { path: 'deliveries/new', lazy: screen(() => import('./pages/deliveries/DeliveryEdit.tsx')) },
      { path: 'deliveries/:id', lazy: screen(() => import('./pages/deliveries/DeliveryDashboard.tsx')) },
      { path: 'deliveries/:id/edit', lazy: screen(() => import('./pages/deliveries/DeliveryEdit.tsx')) },
      { path: 'recurring', lazy: screen(() => import('./pages/recurring/Recurring.tsx')) },
      { path: 'recurring/:id', lazy: screen(() => import('./pages/recurring/Recurring.tsx')) },
      { path: 'logs', lazy: screen(() => import('./pages/logs/Logs.tsx')) },
      { path: 'logs/:id', lazy: screen(() => import('./pages/logs/Logs.tsx')) },
      { path: 'audiences', lazy: screen(() => import('./pages/contacts/Audiences.tsx')) },
      { path: 'audiences/:id', lazy: screen(() => import('./pages/contacts/AudienceDetail.tsx')) },
      { path: 'import', lazy: screen(() => import('./pages/contacts/Import.tsx')) },
      { path: 'profiles/:id', lazy: screen(() => import('./pages/contacts/ProfileDetail.tsx')) },
      { path: '*', element: <NotFound /> },
    ],
  },
  {
    path: '*',
    element: (
      <Shell>
        <NotFound />
      </Shell>
    ),
  },
]);

export const App = () => <RouterProvider router={router} />;
