/**
 * The frame of every signed-in screen: top navigation (who is signed in, with which roles, and sign out), side
 * navigation, breadcrumbs, flash messages. Cloudscape's AppLayoutToolbar collapses the navigation into a drawer on a phone.
 */
import AppLayoutToolbar from '@cloudscape-design/components/app-layout-toolbar';
import BreadcrumbGroup, { type BreadcrumbGroupProps } from '@cloudscape-design/components/breadcrumb-group';
import Flashbar from '@cloudscape-design/components/flashbar';
import SideNavigation, { type SideNavigationProps } from '@cloudscape-design/components/side-navigation';
import TopNavigation from '@cloudscape-design/components/top-navigation';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { useAuth } from '../auth/session.tsx';
import { useNotifications } from './notifications.tsx';

const ROLE_LABELS: Record<string, string> = {
  'start-deliveries': 'Start deliveries',
  'prepare-deliveries': 'Prepare deliveries',
  administration: 'Administration',
  workflow: 'Workflow',
};

type Crumbs = BreadcrumbGroupProps.Item[];
const CrumbsContext = createContext<(crumbs: Crumbs) => void>(() => {});

/** A screen names where it is: `useBreadcrumbs([{text, href}...])`. */
export const useBreadcrumbs = (crumbs: Crumbs) => {
  const set = useContext(CrumbsContext);
  const key = JSON.stringify(crumbs);
  useEffect(() => set(JSON.parse(key) as Crumbs), [key, set]);
};

const NAV_ITEMS: SideNavigationProps.Item[] = [
  { type: 'link', text: 'Deliveries', href: '/console/deliveries' },
  { type: 'link', text: 'Recurring deliveries', href: '/console/recurring' },
  { type: 'divider' },
  { type: 'link', text: 'Profiles and audiences', href: '/console/audiences' },
  { type: 'link', text: 'Import contacts', href: '/console/import' },
  { type: 'divider' },
  {
    type: 'section',
    text: 'Administration',
    items: [{ type: 'link', text: 'Delivery logs', href: '/console/logs' }],
  },
];

const activeHref = (path: string): string => {
  const match = [
    '/console/recurring',
    '/console/audiences',
    '/console/profiles',
    '/console/import',
    '/console/logs',
  ].find((prefix) => path.startsWith(prefix));
  if (match === '/console/profiles') return '/console/audiences';
  return match ?? '/console/deliveries';
};

export const Shell = ({ children }: { children?: ReactNode }) => {
  const auth = useAuth();
  const { items } = useNotifications();
  const navigate = useNavigate();
  const location = useLocation();
  const [crumbs, setCrumbs] = useState<Crumbs>([]);
  const [navigationOpen, setNavigationOpen] = useState(() => window.matchMedia('(min-width: 688px)').matches);

  if (!auth.session) {
    return (
      <Navigate
        to={`/console/sign-in?returnTo=${encodeURIComponent(location.pathname + location.search)}`}
        replace
      />
    );
  }
  const { session } = auth;
  const follow = (event: CustomEvent<{ href?: string; external?: boolean }>) => {
    if (event.detail.href && !event.detail.external) {
      event.preventDefault();
      navigate(event.detail.href);
      if (!window.matchMedia('(min-width: 688px)').matches) setNavigationOpen(false);
    }
  };

  return (
    <CrumbsContext.Provider value={setCrumbs}>
      <div id="top-nav" style={{ position: 'sticky', top: 0, zIndex: 1002 }}>
        <TopNavigation
          identity={{ href: '/console/deliveries', title: 'Confirm and send', onFollow: follow }}
          utilities={[
            {
              type: 'menu-dropdown',
              text: session.username,
              description:
                session.roles.length > 0
                  ? session.roles.map((r) => ROLE_LABELS[r] ?? r).join(', ')
                  : 'No role',
              iconName: 'user-profile',
              items: [{ id: 'sign-out', text: 'Sign out' }],
              onItemClick: (event) => {
                if (event.detail.id === 'sign-out')
                  void auth.signOut().then(() => navigate('/console/sign-in'));
              },
            },
          ]}
        />
      </div>
      <AppLayoutToolbar
        headerSelector="#top-nav"
        navigationOpen={navigationOpen}
        onNavigationChange={(event) => setNavigationOpen(event.detail.open)}
        navigation={
          <SideNavigation
            header={{ href: '/console/deliveries', text: 'Confirm and send' }}
            activeHref={activeHref(location.pathname)}
            items={NAV_ITEMS}
            onFollow={follow}
          />
        }
        breadcrumbs={
          crumbs.length > 0 ? (
            <BreadcrumbGroup items={crumbs} onFollow={follow} ariaLabel="Breadcrumbs" />
          ) : undefined
        }
        notifications={<Flashbar items={items} stackItems={items.length > 3} />}
        toolsHide
        content={children ?? <Outlet />}
        ariaLabels={{
          navigation: 'Navigation',
          navigationClose: 'Close navigation',
          navigationToggle: 'Open navigation',
          notifications: 'Notifications',
        }}
      />
    </CrumbsContext.Provider>
  );
};
