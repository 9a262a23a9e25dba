/**
 * How lists show a delivery's state: Adobe Campaign's logical status groups (Editing, In progress, Finished,
 * Erroneous) over the exact states, and a short label per state. Pure code, shared by the console and the API.
 */
import { DELIVERY_STATES, type DeliveryState } from './delivery.ts';

export const STATUS_GROUPS = {
  editing: { label: 'Editing', states: ['editing', 'preparing', 'ready'] },
  'in-progress': { label: 'In progress', states: ['scheduled', 'sending', 'paused'] },
  finished: { label: 'Finished', states: ['finished'] },
  erroneous: { label: 'Erroneous', states: ['preparation-failed', 'stopped', 'expired', 'failed'] },
} as const satisfies Record<string, { label: string; states: readonly DeliveryState[] }>;

export type StatusGroup = keyof typeof STATUS_GROUPS;

export const STATUS_GROUP_NAMES = Object.keys(STATUS_GROUPS) as StatusGroup[];

/** The group a state belongs to (every state is in exactly one). */
export const groupOf = (state: DeliveryState): StatusGroup =>
  STATUS_GROUP_NAMES.find((group) => (STATUS_GROUPS[group].states as readonly string[]).includes(state))!;

/** Short labels for lists and filters (the Deployment block shows the longer STATUS_TEXT). */
export const STATE_LABELS: Record<DeliveryState, string> = {
  editing: 'Editing',
  preparing: 'Preparing',
  ready: 'Ready to be delivered',
  'preparation-failed': 'Preparation failed',
  scheduled: 'Start pending',
  sending: 'Sending',
  paused: 'Paused',
  finished: 'Finished',
  stopped: 'Stopped',
  expired: 'Expired',
  failed: 'Failed',
};

export const ALL_STATES: readonly DeliveryState[] = DELIVERY_STATES;
