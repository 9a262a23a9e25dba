import { describe, expect, it } from 'vitest';
import {
  autoConfirmExecution,
  completePreparation,
  confirmDelivery,
  createExecution,
  DELIVERY_STATES,
  type Delivery,
  type DeliveryState,
  editDelivery,
  expireExecution,
  failDelivery,
  finishDelivery,
  fireSchedule,
  pauseDelivery,
  resumeDelivery,
  STATUS_TEXT,
  startPreparation,
  stopDelivery,
  suspendDelivery,
  type Transition,
} from '#domain/delivery.ts';
import { type DomainError, isDomainError } from '#domain/errors.ts';
import { preparer, starter } from '#test/helpers/actors.ts';
import { type deliveryInput, later, newDelivery, readyDelivery, T0 } from '#test/helpers/deliveries.ts';

const inState = (state: DeliveryState, extra: Partial<Delivery> = {}): Delivery => ({
  ...readyDelivery(),
  state,
  ...extra,
});

const conflictOf = (fn: () => unknown): DomainError => {
  try {
    fn();
  } catch (error) {
    if (isDomainError(error)) return error;
    throw error;
  }
  throw new Error('expected a conflict');
};

/** Which states each transition accepts (DESIGN section 5); every other state must be refused with a 409. */
const TABLE: Array<{
  name: string;
  from: DeliveryState[];
  run: (d: Delivery) => Transition;
  to: DeliveryState;
}> = [
  {
    name: 'edit',
    from: ['editing', 'ready', 'scheduled', 'preparation-failed'],
    to: 'editing',
    run: (d) => editDelivery(d, { label: 'x' }, preparer, later(5)),
  },
  {
    name: 'prepare',
    from: ['editing', 'ready', 'preparation-failed'],
    to: 'preparing',
    run: (d) => startPreparation(d, preparer, later(5)),
  },
  { name: 'pause', from: ['sending'], to: 'paused', run: (d) => pauseDelivery(d, starter, later(5)) },
  {
    name: 'suspend',
    from: ['sending'],
    to: 'paused',
    run: (d) => suspendDelivery(d, 'Daily message quota exceeded', later(5)),
  },
  { name: 'resume', from: ['paused'], to: 'sending', run: (d) => resumeDelivery(d, starter, later(5)) },
  {
    name: 'stop',
    from: ['scheduled', 'sending', 'paused'],
    to: 'stopped',
    run: (d) => stopDelivery(d, starter, later(5)),
  },
  { name: 'finish', from: ['sending'], to: 'finished', run: (d) => finishDelivery(d, later(5)) },
  {
    name: 'fail',
    from: ['scheduled', 'sending', 'paused'],
    to: 'failed',
    run: (d) => failDelivery(d, 'fired too late', later(5)),
  },
  { name: 'fire', from: ['scheduled'], to: 'sending', run: (d) => fireSchedule(d, later(5)) },
];

describe('delivery lifecycle: every allowed and refused transition', () => {
  for (const { name, from, to, run } of TABLE) {
    for (const state of DELIVERY_STATES) {
      const allowed = from.includes(state);
      it(`${name} from ${state} ${allowed ? `→ ${to}` : 'is refused (409 naming the state)'}`, () => {
        const delivery = inState(state);
        if (allowed) {
          const t = run(delivery);
          expect(t.next.state).toBe(to);
          expect(t.expected).toEqual({ state, version: delivery.version });
          expect(t.next.history.at(-1)).toMatchObject({ from: state, to });
        } else {
          const error = conflictOf(() => run(delivery));
          expect(error.kind).toBe('conflict');
          expect(error.details).toMatchObject({ state });
        }
      });
    }
  }

  for (const state of DELIVERY_STATES) {
    const allowed = state === 'ready';
    it(`confirm from ${state} ${allowed ? 'is allowed' : 'is refused'}`, () => {
      const delivery = inState(state);
      if (allowed) expect(confirmDelivery(delivery, starter, later(5)).next.state).toBe('sending');
      else
        expect(conflictOf(() => confirmDelivery(delivery, starter, later(5))).details).toMatchObject({
          state,
        });
    });
  }
});

describe('create, edit, prepare', () => {
  it('creates in editing at version 1 with who and when in the history', () => {
    const d = newDelivery();
    expect(d).toMatchObject({ state: 'editing', version: 1, createdBy: { sub: 'sub-pat', username: 'pat' } });
    expect(d.history).toEqual([
      {
        at: T0.toISOString(),
        action: 'create',
        from: null,
        to: 'editing',
        by: { sub: 'sub-pat', username: 'pat' },
      },
    ]);
  });

  it('defaults requestConfirmation to true on a recurrence', () => {
    const d = newDelivery({ recurrence: { expression: 'rate(1 day)', timeZone: 'Europe/Paris' } });
    expect(d.recurrence?.requestConfirmation).toBe(true);
  });

  it('refuses a schedule in a DST gap, a bad recurrence, both at once, and a bad sender', () => {
    const cases: Array<[Parameters<typeof deliveryInput>[0], string]> = [
      [
        { schedule: { contactDate: '2026-03-29T02:30:00', timeZone: 'Europe/Paris' } },
        'schedule.contactDate',
      ],
      [{ recurrence: { expression: 'daily', timeZone: 'Europe/Paris' } }, 'recurrence.expression'],
      [{ recurrence: { expression: 'rate(1 day)', timeZone: 'Nowhere/City' } }, 'recurrence.timeZone'],
      [
        {
          schedule: { contactDate: '2026-12-01T09:00:00', timeZone: 'UTC' },
          recurrence: { expression: 'rate(1 day)', timeZone: 'UTC' },
        },
        'recurrence',
      ],
      [{ content: { from: 'not-an-address', subject: 's', html: 'h', text: 't' } }, 'content.from'],
    ];
    for (const [overrides, field] of cases) {
      const error = conflictOf(() => newDelivery(overrides));
      expect(error.kind).toBe('invalid');
      expect((error.details as { fields: Array<{ field: string }> }).fields.map((f) => f.field)).toContain(
        field,
      );
    }
  });

  it('an edit in ready returns to editing, bumps the version and so invalidates the preparation', () => {
    const ready = readyDelivery();
    const edited = editDelivery(
      ready,
      { content: { ...ready.content, subject: 'New' } },
      preparer,
      later(5),
    ).next;
    expect(edited).toMatchObject({ state: 'editing', version: ready.version + 1 });
    expect(edited.preparation?.version).toBe(ready.version);
    // Even forced back into ready, the stale preparation cannot be confirmed.
    expect(conflictOf(() => confirmDelivery({ ...edited, state: 'ready' }, starter, later(6))).kind).toBe(
      'conflict',
    );
  });

  it('an edit of a scheduled delivery asks for its schedule to be deleted', () => {
    const scheduled = inState('scheduled');
    expect(editDelivery(scheduled, { label: 'x' }, preparer, later(5)).effects).toEqual({
      deleteSchedule: true,
    });
    expect(editDelivery(readyDelivery(), { label: 'x' }, preparer, later(5)).effects).toEqual({
      deleteSchedule: false,
    });
  });

  it('an edit can remove a schedule with null', () => {
    const d = newDelivery({ schedule: { contactDate: '2026-12-01T09:00:00', timeZone: 'UTC' } });
    expect(editDelivery(d, { schedule: null }, preparer, later(5)).next.schedule).toBeUndefined();
  });

  it('preparation records the version it prepared and freezes a snapshot', () => {
    const ready = readyDelivery({}, 5);
    expect(ready.state).toBe('ready');
    expect(ready.preparation).toMatchObject({
      version: 1,
      targeted: 6,
      toDeliver: 5,
      excluded: 1,
      snapshot: { content: ready.content, audienceId: 'aud-1' },
    });
    expect(STATUS_TEXT[ready.state]).toBe('Send preparation completed. Confirm to start sending.');
  });

  it('preparation fails with the errors, or when nobody is left to deliver', () => {
    const preparing = startPreparation(newDelivery(), preparer, later(1)).next;
    const failed = completePreparation(
      preparing,
      { targeted: 0, toDeliver: 0, exclusions: {}, errors: [] },
      later(2),
    );
    expect(failed.next.state).toBe('preparation-failed');
    expect(failed.next.preparation?.errors).toEqual(['The target is empty: no recipient to deliver.']);
    const broken = completePreparation(
      preparing,
      { targeted: 3, toDeliver: 3, exclusions: {}, errors: ['Audience aud-1 was not found.'] },
      later(2),
    );
    expect(broken.next.preparation?.errors).toEqual(['Audience aud-1 was not found.']);
    expect(broken.next.preparation?.snapshot).toBeUndefined();
  });
});

describe('confirm', () => {
  it('starts the send at once without a schedule, recording who confirmed and when', () => {
    const t = confirmDelivery(readyDelivery(), starter, later(10));
    expect(t.next).toMatchObject({
      state: 'sending',
      confirmedBy: { sub: 'sub-stella', username: 'stella' },
      confirmedAt: later(10).toISOString(),
    });
    expect(t.effects).toEqual({ startSend: true });
    expect(t.expected).toEqual({ state: 'ready', version: 1 });
  });

  it('arms the scheduler when the contact date is in the future, and sends at once when it has passed', () => {
    const future = readyDelivery({
      schedule: { contactDate: '2026-12-24T09:00:00', timeZone: 'Europe/Paris' },
    });
    const t = confirmDelivery(future, starter, later(10));
    expect(t.next.state).toBe('scheduled');
    expect(t.effects).toEqual({ armSchedule: true });
    expect(STATUS_TEXT.scheduled).toBe('Start pending');
    const past = readyDelivery({
      schedule: { contactDate: '2026-11-01T09:00:00', timeZone: 'Europe/Paris' },
    });
    expect(confirmDelivery(past, starter, later(10)).next.state).toBe('sending');
  });

  it('a second confirm is refused naming sending', () => {
    const first = confirmDelivery(readyDelivery(), starter, later(10)).next;
    expect(conflictOf(() => confirmDelivery(first, starter, later(11))).details).toMatchObject({
      state: 'sending',
    });
  });

  it('a recurring delivery is armed (scheduled) on confirm', () => {
    const recurring = readyDelivery({ recurrence: { expression: 'rate(1 day)', timeZone: 'UTC' } });
    expect(confirmDelivery(recurring, starter, later(10)).next.state).toBe('scheduled');
    // The recurring parent never "fires" into sending: executions do.
    expect(conflictOf(() => fireSchedule({ ...recurring, state: 'scheduled' }, later(20))).kind).toBe(
      'conflict',
    );
  });
});

describe('recurring executions', () => {
  const parent = confirmDelivery(
    readyDelivery({ recurrence: { expression: 'rate(1 day)', timeZone: 'UTC', requestConfirmation: false } }),
    starter,
    later(10),
  ).next;

  it('an execution is a child delivery in editing, owned by the confirmer', () => {
    const exec = createExecution(parent, 'exec-1', later(60), later(60));
    expect(exec).toMatchObject({
      parentId: parent.id,
      state: 'editing',
      version: 1,
      createdBy: parent.confirmedBy,
    });
    expect(exec.recurrence).toBeUndefined();
  });

  it('without requestConfirmation it is auto-confirmed as the recurring delivery confirmer', () => {
    const exec = createExecution(parent, 'exec-1', later(60), later(60));
    const preparing = startPreparation(exec, null, later(61)).next;
    const ready = completePreparation(
      preparing,
      { targeted: 2, toDeliver: 2, exclusions: {}, errors: [] },
      later(62),
    );
    const t = autoConfirmExecution(ready.next, parent.confirmedBy!, later(63));
    expect(t.next).toMatchObject({ state: 'sending', autoConfirmed: true, confirmedBy: parent.confirmedBy });
    expect(t.next.history.at(-1)?.by).toEqual({ system: 'recurrence' });
  });

  it('an unconfirmed execution expires when the next one is created; a top-level delivery cannot expire', () => {
    const exec = { ...createExecution(parent, 'exec-1', later(60), later(60)), state: 'ready' as const };
    expect(expireExecution(exec, later(1500)).next.state).toBe('expired');
    expect(conflictOf(() => expireExecution(readyDelivery(), later(1500))).kind).toBe('conflict');
    expect(conflictOf(() => expireExecution({ ...exec, state: 'sending' }, later(1500))).kind).toBe(
      'conflict',
    );
  });
});

describe('stop', () => {
  it('stopping a scheduled delivery deletes its schedule; stopped is terminal', () => {
    const t = stopDelivery(inState('scheduled'), starter, later(5));
    expect(t.effects).toEqual({ deleteSchedule: true, cancelPending: false });
    expect(stopDelivery(inState('paused'), starter, later(5)).effects).toEqual({
      deleteSchedule: false,
      cancelPending: true,
    });
    expect(conflictOf(() => resumeDelivery(t.next, starter, later(6))).details).toMatchObject({
      state: 'stopped',
    });
    expect(conflictOf(() => editDelivery(t.next, { label: 'x' }, preparer, later(6))).kind).toBe('conflict');
  });
});
