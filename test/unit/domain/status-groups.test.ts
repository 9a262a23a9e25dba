import { describe, expect, it } from 'vitest';
import { DELIVERY_STATES } from '#domain/delivery.ts';
import { groupOf, STATE_LABELS, STATUS_GROUPS } from '#domain/status-groups.ts';

describe('status groups (Adobe Campaign logical status)', () => {
  it('puts every state in exactly one group', () => {
    const grouped = Object.values(STATUS_GROUPS).flatMap((g) => [...g.states]);
    expect([...grouped].sort()).toEqual([...DELIVERY_STATES].sort());
  });

  it('shows canceled and failed sends as Erroneous, a confirmed future send as In progress', () => {
    expect(groupOf('stopped')).toBe('erroneous');
    expect(groupOf('preparation-failed')).toBe('erroneous');
    expect(groupOf('scheduled')).toBe('in-progress');
    expect(groupOf('ready')).toBe('editing');
    expect(groupOf('finished')).toBe('finished');
    expect(STATE_LABELS.ready).toBe('Ready to be delivered');
    expect(STATE_LABELS.scheduled).toBe('Start pending');
  });
});
