/**
 * The delivery and its lifecycle (DESIGN section 5). Every transition is a pure function that returns the next
 * delivery plus the condition the repository must write it under (state and version as read), so a double
 * click, a repeated request or a scheduler firing twice changes nothing. No AWS imports.
 */
import { conflict, type FieldError, invalid } from './errors.ts';
import type { GuardTotals } from './reputation.ts';
import type { Actor } from './roles.ts';
import {
  type ContactSchedule,
  contactInstant,
  isValidRecurrenceExpression,
  isValidTimeZone,
} from './schedule.ts';

export const DELIVERY_STATES = [
  'editing',
  'preparing',
  'ready',
  'preparation-failed',
  'scheduled',
  'sending',
  'paused',
  'finished',
  'stopped',
  'expired',
  'failed',
] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export const TERMINAL_STATES: readonly DeliveryState[] = ['finished', 'stopped', 'expired', 'failed'];
export const EDITABLE_STATES: readonly DeliveryState[] = [
  'editing',
  'ready',
  'scheduled',
  'preparation-failed',
];

/** Status text shown in the Deployment block (Adobe Campaign's wording where it has one). */
export const STATUS_TEXT: Record<DeliveryState, string> = {
  editing: 'Editing',
  preparing: 'Preparing send…',
  ready: 'Send preparation completed. Confirm to start sending.',
  'preparation-failed': 'Preparation failed. Fix the errors and prepare again.',
  scheduled: 'Start pending',
  sending: 'Sending',
  paused: 'Paused',
  finished: 'All messages have been processed.',
  stopped: 'Stopped',
  expired: 'Expired: not confirmed before the next execution',
  failed: 'Failed',
};

export interface Content {
  from: string;
  subject: string;
  html: string;
  text: string;
}

export interface Recurrence {
  expression: string;
  timeZone: string;
  requestConfirmation: boolean;
}

export interface UserRef {
  sub: string;
  username: string;
}

export interface HistoryEntry {
  at: string;
  action: string;
  from: DeliveryState | null;
  to: DeliveryState;
  by: UserRef | { system: string };
  reason?: string;
}

export interface Preparation {
  /** The delivery version this preparation was made from. */
  version: number;
  targeted: number;
  toDeliver: number;
  excluded: number;
  /** Exclusion counts by cause. */
  exclusions: Partial<Record<ExclusionCause, number>>;
  startedAt: string;
  completedAt?: string;
  errors?: string[];
  /** Frozen content the send uses. */
  snapshot?: { content: Content; audienceId: string };
}

export type ExclusionCause =
  'address-missing' | 'duplicate-address' | 'quarantined' | 'denylisted' | 'opted-out';

export interface Delivery {
  id: string;
  label: string;
  content: Content;
  audienceId: string;
  schedule?: ContactSchedule;
  recurrence?: Recurrence;
  /** Set on a recurring delivery's executions. */
  parentId?: string;
  state: DeliveryState;
  version: number;
  preparation?: Preparation;
  confirmedBy?: UserRef;
  confirmedAt?: string;
  autoConfirmed?: boolean;
  failureReason?: string;
  /** Why the system paused it (daily quota, reputation guard); cleared by a resume. Shown in the status text. */
  pauseReason?: string;
  /** The totals at the reputation guard's last pause: after a resume it judges what happened since. */
  reputationBaseline?: GuardTotals;
  /** A resend: the delivery whose recipients that did not get it this one targets. */
  resendOf?: { deliveryId: string; version: number; label: string };
  createdAt: string;
  createdBy: UserRef;
  updatedAt: string;
  history: HistoryEntry[];
}

export interface DeliveryInput {
  label: string;
  content: Content;
  audienceId: string;
  schedule?: ContactSchedule | null;
  recurrence?: (Omit<Recurrence, 'requestConfirmation'> & { requestConfirmation?: boolean }) | null;
}

/** A transition's result: the next delivery and the state/version it must still be in when written. */
export interface Transition {
  next: Delivery;
  expected: { state: DeliveryState; version: number };
  /** Side effects the use case must carry out after the write. */
  effects: { deleteSchedule?: boolean; armSchedule?: boolean; startSend?: boolean; cancelPending?: boolean };
}

const userRef = (actor: Actor): UserRef => ({ sub: actor.sub, username: actor.username });

const conflictIn = (delivery: Delivery, action: string): never => {
  throw conflict(`The delivery is ${delivery.state}: it cannot be ${action} now.`, {
    state: delivery.state,
    version: delivery.version,
  });
};

const move = (
  delivery: Delivery,
  to: DeliveryState,
  action: string,
  by: HistoryEntry['by'],
  now: Date,
  changes: Partial<Delivery> = {},
  reason?: string,
): Delivery => {
  const at = now.toISOString();
  const entry: HistoryEntry = { at, action, from: delivery.state, to, by, ...(reason ? { reason } : {}) };
  return { ...delivery, ...changes, state: to, updatedAt: at, history: [...delivery.history, entry] };
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Checks the parts of an input that the schema cannot: time zones, DST gaps, recurrence, sender address. */
export const validateDeliveryInput = (input: Partial<DeliveryInput>): void => {
  const fields: FieldError[] = [];
  if (input.content && !EMAIL.test(input.content.from.replace(/^.*<(.+)>$/, '$1'))) {
    fields.push({ field: 'content.from', message: 'must be an email address' });
  }
  if (input.schedule && input.recurrence) {
    fields.push({
      field: 'recurrence',
      message: 'a delivery has either a schedule or a recurrence, not both',
    });
  }
  if (input.recurrence) {
    if (!isValidRecurrenceExpression(input.recurrence.expression)) {
      fields.push({ field: 'recurrence.expression', message: 'must be rate(...) or cron(...)' });
    }
    if (!isValidTimeZone(input.recurrence.timeZone)) {
      fields.push({ field: 'recurrence.timeZone', message: 'unknown IANA time zone' });
    }
  }
  if (fields.length > 0) throw invalid('The delivery is not valid.', fields);
  if (input.schedule) contactInstant(input.schedule);
};

export const createDelivery = (input: DeliveryInput, actor: Actor, id: string, now: Date): Delivery => {
  validateDeliveryInput(input);
  const at = now.toISOString();
  const by = userRef(actor);
  return {
    id,
    label: input.label,
    content: input.content,
    audienceId: input.audienceId,
    ...(input.schedule ? { schedule: input.schedule } : {}),
    ...(input.recurrence
      ? {
          recurrence: {
            ...input.recurrence,
            requestConfirmation: input.recurrence.requestConfirmation ?? true,
          },
        }
      : {}),
    state: 'editing',
    version: 1,
    createdAt: at,
    createdBy: by,
    updatedAt: at,
    history: [{ at, action: 'create', from: null, to: 'editing', by }],
  };
};

/**
 * An edit of label, content, audience, schedule or recurrence. Allowed in editing, ready, scheduled and
 * preparation-failed; bumps the version and returns the delivery to editing (prepare again before confirming).
 * Editing a scheduled delivery deletes its schedule.
 */
export const editDelivery = (
  delivery: Delivery,
  patch: Partial<DeliveryInput>,
  actor: Actor,
  now: Date,
): Transition => {
  if (!EDITABLE_STATES.includes(delivery.state)) conflictIn(delivery, 'edited');
  validateDeliveryInput({
    ...patch,
    schedule: patch.schedule === undefined ? delivery.schedule : patch.schedule,
    recurrence: patch.recurrence === undefined ? delivery.recurrence : patch.recurrence,
  });
  const { schedule, recurrence, ...rest } = patch;
  const edited: Delivery = { ...delivery, ...rest, version: delivery.version + 1 };
  if (schedule === null) delete edited.schedule;
  else if (schedule) edited.schedule = schedule;
  if (recurrence === null) delete edited.recurrence;
  else if (recurrence) {
    edited.recurrence = { ...recurrence, requestConfirmation: recurrence.requestConfirmation ?? true };
  }
  const next = move(edited, 'editing', 'edit', userRef(actor), now);
  return {
    next,
    expected: { state: delivery.state, version: delivery.version },
    effects: { deleteSchedule: delivery.state === 'scheduled' },
  };
};

/** Starts preparation of the current version (from editing, ready or preparation-failed). */
export const startPreparation = (delivery: Delivery, actor: Actor | null, now: Date): Transition => {
  if (!['editing', 'ready', 'preparation-failed'].includes(delivery.state)) conflictIn(delivery, 'prepared');
  const preparation: Preparation = {
    version: delivery.version,
    targeted: 0,
    toDeliver: 0,
    excluded: 0,
    exclusions: {},
    startedAt: now.toISOString(),
  };
  const by = actor ? userRef(actor) : { system: 'recurrence' };
  return {
    next: move(delivery, 'preparing', 'prepare', by, now, { preparation }),
    expected: { state: delivery.state, version: delivery.version },
    effects: {},
  };
};

export interface PreparationOutcome {
  targeted: number;
  toDeliver: number;
  exclusions: Partial<Record<ExclusionCause, number>>;
  errors: string[];
}

/** Ends preparation: ready with the counts and a frozen snapshot, or preparation-failed with the errors. */
export const completePreparation = (
  delivery: Delivery,
  outcome: PreparationOutcome,
  now: Date,
): Transition => {
  if (delivery.state !== 'preparing' || !delivery.preparation) conflictIn(delivery, 'marked prepared');
  const excluded = Object.values(outcome.exclusions).reduce((a, b) => a + (b ?? 0), 0);
  const errors = [...outcome.errors];
  if (errors.length === 0 && outcome.toDeliver === 0)
    errors.push('The target is empty: no recipient to deliver.');
  const preparation: Preparation = {
    ...delivery.preparation!,
    targeted: outcome.targeted,
    toDeliver: outcome.toDeliver,
    excluded,
    exclusions: outcome.exclusions,
    completedAt: now.toISOString(),
    ...(errors.length > 0
      ? { errors }
      : { snapshot: { content: delivery.content, audienceId: delivery.audienceId } }),
  };
  const system = { system: 'preparation' };
  const next =
    errors.length > 0
      ? move(delivery, 'preparation-failed', 'preparation-failed', system, now, { preparation }, errors[0])
      : move(delivery, 'ready', 'prepared', system, now, { preparation });
  return { next, expected: { state: 'preparing', version: delivery.version }, effects: {} };
};

/**
 * Confirms the send. The caller has already checked the Start deliveries role (403 comes before 404 and 409).
 * Requires state ready at the prepared version. A schedule or a recurrence arms the scheduler; otherwise the
 * send starts now. A contact date already past sends at once.
 */
export const confirmDelivery = (delivery: Delivery, actor: Actor, now: Date): Transition => {
  if (delivery.state !== 'ready' || delivery.preparation?.version !== delivery.version) {
    conflictIn(delivery, 'confirmed');
  }
  const scheduled =
    delivery.recurrence !== undefined ||
    (delivery.schedule !== undefined && contactInstant(delivery.schedule).getTime() > now.getTime());
  const changes = { confirmedBy: userRef(actor), confirmedAt: now.toISOString() };
  const next = move(delivery, scheduled ? 'scheduled' : 'sending', 'confirm', userRef(actor), now, changes);
  return {
    next,
    expected: { state: 'ready', version: delivery.version },
    effects: scheduled ? { armSchedule: true } : { startSend: true },
  };
};

/** A recurring execution without requestConfirmation is confirmed on behalf of the recurring delivery's confirmer. */
export const autoConfirmExecution = (execution: Delivery, confirmer: UserRef, now: Date): Transition => {
  if (execution.state !== 'ready' || execution.preparation?.version !== execution.version) {
    conflictIn(execution, 'confirmed');
  }
  const next = move(execution, 'sending', 'auto-confirm', { system: 'recurrence' }, now, {
    confirmedBy: confirmer,
    confirmedAt: now.toISOString(),
    autoConfirmed: true,
  });
  return { next, expected: { state: 'ready', version: execution.version }, effects: { startSend: true } };
};

/** The one-time schedule fired: a scheduled delivery starts sending. Firing twice changes nothing (409). */
export const fireSchedule = (delivery: Delivery, now: Date): Transition => {
  if (delivery.state !== 'scheduled' || delivery.recurrence) conflictIn(delivery, 'started by the scheduler');
  return {
    next: move(delivery, 'sending', 'start', { system: 'scheduler' }, now),
    expected: { state: 'scheduled', version: delivery.version },
    effects: { startSend: true },
  };
};

export const pauseDelivery = (delivery: Delivery, actor: Actor, now: Date): Transition => {
  if (delivery.state !== 'sending') conflictIn(delivery, 'paused');
  return {
    next: move(delivery, 'paused', 'pause', userRef(actor), now),
    expected: { state: 'sending', version: delivery.version },
    effects: {},
  };
};

/** Pause by the system (e.g. "Daily message quota exceeded"). */
export const suspendDelivery = (delivery: Delivery, reason: string, now: Date): Transition => {
  if (delivery.state !== 'sending') conflictIn(delivery, 'paused');
  return {
    next: move(delivery, 'paused', 'pause', { system: 'sender' }, now, { pauseReason: reason }, reason),
    expected: { state: 'sending', version: delivery.version },
    effects: {},
  };
};

/**
 * The reputation guard pauses a sending delivery (shared/domain/reputation.ts), recording the totals it judged:
 * after a resume it judges only what happens since.
 */
export const guardPauseDelivery = (
  delivery: Delivery,
  reason: string,
  totals: GuardTotals,
  now: Date,
): Transition => {
  if (delivery.state !== 'sending') conflictIn(delivery, 'paused');
  const changes = { pauseReason: reason, reputationBaseline: totals };
  return {
    next: move(delivery, 'paused', 'guard-pause', { system: 'reputation-guard' }, now, changes, reason),
    expected: { state: 'sending', version: delivery.version },
    effects: {},
  };
};

/** The status text of the Deployment block: a system pause says why. */
export const statusText = (delivery: Pick<Delivery, 'state' | 'pauseReason'>): string =>
  delivery.state === 'paused' && delivery.pauseReason
    ? `Paused: ${delivery.pauseReason}`
    : STATUS_TEXT[delivery.state];

export const resumeDelivery = (delivery: Delivery, actor: Actor, now: Date): Transition => {
  if (delivery.state !== 'paused') conflictIn(delivery, 'resumed');
  const { pauseReason: _reason, ...rest } = delivery;
  return {
    next: move(rest, 'sending', 'resume', userRef(actor), now),
    expected: { state: 'paused', version: delivery.version },
    effects: { startSend: true },
  };
};

/** Stop is terminal. Stopping a scheduled delivery deletes its schedule. */
export const stopDelivery = (delivery: Delivery, actor: Actor, now: Date): Transition => {
  if (!['scheduled', 'sending', 'paused'].includes(delivery.state)) conflictIn(delivery, 'stopped');
  return {
    next: move(delivery, 'stopped', 'stop', userRef(actor), now),
    expected: { state: delivery.state, version: delivery.version },
    effects: {
      deleteSchedule: delivery.state === 'scheduled',
      cancelPending: delivery.state !== 'scheduled',
    },
  };
};

export const finishDelivery = (delivery: Delivery, now: Date): Transition => {
  if (delivery.state !== 'sending') conflictIn(delivery, 'finished');
  return {
    next: move(delivery, 'finished', 'finish', { system: 'sender' }, now),
    expected: { state: 'sending', version: delivery.version },
    effects: {},
  };
};

/** A recurring execution left unconfirmed (ready or preparing) when the next one is created. */
export const expireExecution = (execution: Delivery, now: Date): Transition => {
  if (!execution.parentId || !['ready', 'preparing', 'preparation-failed'].includes(execution.state)) {
    conflictIn(execution, 'expired');
  }
  return {
    next: move(execution, 'expired', 'expire', { system: 'recurrence' }, now),
    expected: { state: execution.state, version: execution.version },
    effects: {},
  };
};

export const failDelivery = (delivery: Delivery, reason: string, now: Date): Transition => {
  if (!['scheduled', 'sending', 'paused'].includes(delivery.state)) conflictIn(delivery, 'failed');
  return {
    next: move(delivery, 'failed', 'fail', { system: 'scheduler' }, now, { failureReason: reason }, reason),
    expected: { state: delivery.state, version: delivery.version },
    effects: {},
  };
};

/** Creates the execution of a recurring delivery for one occurrence (prepared at once by the caller). */
export const createExecution = (parent: Delivery, id: string, occurrence: Date, now: Date): Delivery => {
  const at = now.toISOString();
  return {
    id,
    label: `${parent.label} (${occurrence.toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
    content: parent.content,
    audienceId: parent.audienceId,
    parentId: parent.id,
    state: 'editing',
    version: 1,
    createdAt: at,
    createdBy: parent.confirmedBy ?? parent.createdBy,
    updatedAt: at,
    history: [{ at, action: 'create-execution', from: null, to: 'editing', by: { system: 'recurrence' } }],
  };
};
