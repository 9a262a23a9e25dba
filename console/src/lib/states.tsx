/** A delivery's state as lists show it: a status indicator in Adobe Campaign's group colours, and the filters. */
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import type { SelectProps } from '@cloudscape-design/components/select';
import { STATE_LABELS, STATUS_GROUP_NAMES, STATUS_GROUPS } from '#domain/status-groups.ts';
import { DELIVERY_STATES } from '#domain/delivery.ts';
import type { DeliveryState } from '../api/client.ts';

const INDICATOR: Record<DeliveryState, StatusIndicatorProps.Type> = {
  editing: 'pending',
  preparing: 'loading',
  ready: 'info',
  'preparation-failed': 'error',
  scheduled: 'pending',
  sending: 'in-progress',
  paused: 'warning',
  finished: 'success',
  stopped: 'stopped',
  expired: 'stopped',
  failed: 'error',
};

export const StateIndicator = ({ state }: { state: DeliveryState }) => (
  <StatusIndicator type={INDICATOR[state]}>{STATE_LABELS[state]}</StatusIndicator>
);

export const ALL_OPTION: SelectProps.Option = { value: 'all', label: 'All states' };

/** The state filter: Adobe Campaign's groups, then the exact states. */
export const STATE_FILTER_OPTIONS: SelectProps.Options = [
  ALL_OPTION,
  {
    label: 'Status groups',
    options: STATUS_GROUP_NAMES.map((group) => ({
      value: `group:${group}`,
      label: STATUS_GROUPS[group].label,
    })),
  },
  {
    label: 'States',
    options: DELIVERY_STATES.map((state) => ({ value: `state:${state}`, label: STATE_LABELS[state] })),
  },
];

/** Whether a delivery in `state` passes the filter value ("all", "group:<g>" or "state:<s>"). */
export const matchesStateFilter = (state: DeliveryState, filter: string): boolean => {
  if (filter.startsWith('group:')) {
    const group = STATUS_GROUPS[filter.slice(6) as keyof typeof STATUS_GROUPS];
    return (group?.states as readonly string[] | undefined)?.includes(state) ?? true;
  }
  if (filter.startsWith('state:')) return filter.slice(6) === state;
  return true;
};
