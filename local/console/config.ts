/**
 * What the console reads at start (`GET /config.json`): where the API is, how to sign in, and locally the demo
 * users of the sign-in page. The embedded runtime serves the local one; in AWS the deploy writes the Cognito one
 * beside the console's files. The shape is the console's `ConsoleConfig` (console/src/config.ts).
 */
import type { Role } from '#domain/roles.ts';

export interface DemoUser {
  username: string;
  groups: Role[];
  description: string;
}

/** The users the local sign-in page lists: with and without Start deliveries, an administrator, a workflow user. */
export const DEMO_USERS: readonly DemoUser[] = [
  {
    username: 'stella',
    groups: ['start-deliveries'],
    description: 'Delivery manager: prepares and confirms sends (Start deliveries)',
  },
  {
    username: 'pat',
    groups: ['prepare-deliveries'],
    description: 'Marketer: prepares deliveries, cannot confirm them (Prepare deliveries)',
  },
  {
    username: 'ada',
    groups: ['administration', 'start-deliveries'],
    description: 'Administrator: confirms sends and reads the sending, exclusion and tracking logs',
  },
  {
    username: 'wendy',
    groups: ['workflow'],
    description: 'Workflow user: reads deliveries, can never send (Workflow)',
  },
];

export interface LocalConsoleConfig {
  /** Empty: the API is on the console's own origin. */
  apiUrl: string;
  auth: { mode: 'local'; users: readonly DemoUser[] };
}

export const localConsoleConfig = (): LocalConsoleConfig => ({
  apiUrl: '',
  auth: { mode: 'local', users: DEMO_USERS },
});
