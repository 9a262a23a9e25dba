import { describe, expect, it } from 'vitest';
import { isDomainError } from '#domain/errors.ts';
import { type Action, assertCan, CONFIRM_REFUSED, can, parseGroups, type Role } from '#domain/roles.ts';
import { actor } from '#test/helpers/actors.ts';

const ACTIONS: Action[] = [
  'read',
  'profiles:write',
  'audiences:write',
  'delivery:create',
  'delivery:edit',
  'delivery:prepare',
  'delivery:proof',
  'delivery:confirm',
  'delivery:pause',
  'delivery:resume',
  'delivery:stop',
  'stats:compute',
  'logs:read',
];

/** The role table of DESIGN section 5, written out so a change to the grants shows up here. */
const EXPECTED: Record<Role | 'none', Action[]> = {
  'start-deliveries': [
    'read',
    'profiles:write',
    'audiences:write',
    'delivery:create',
    'delivery:edit',
    'delivery:prepare',
    'delivery:proof',
    'delivery:confirm',
    'delivery:pause',
    'delivery:resume',
    'delivery:stop',
    'stats:compute',
  ],
  'prepare-deliveries': [
    'read',
    'profiles:write',
    'audiences:write',
    'delivery:create',
    'delivery:edit',
    'delivery:prepare',
    'delivery:proof',
    'stats:compute',
  ],
  administration: ['read', 'stats:compute', 'logs:read'],
  workflow: ['read', 'stats:compute'],
  none: ['read', 'stats:compute'],
};

describe('roles', () => {
  for (const [role, allowed] of Object.entries(EXPECTED)) {
    it(`${role} is granted exactly ${allowed.length} actions`, () => {
      const roles = role === 'none' ? [] : [role as Role];
      expect(ACTIONS.filter((a) => can(roles, a))).toEqual(allowed);
    });
  }

  it('refuses confirm to everyone without start-deliveries with the exact Adobe message', () => {
    for (const roles of [[], ['prepare-deliveries'], ['administration'], ['workflow']] as Role[][]) {
      const who = actor('x', ...roles);
      expect(() => assertCan(who, 'delivery:confirm')).toThrow(CONFIRM_REFUSED);
      try {
        assertCan(who, 'delivery:confirm');
      } catch (error) {
        expect(isDomainError(error) && error.kind).toBe('forbidden');
      }
    }
    expect(CONFIRM_REFUSED).toBe('Your permissions do not allow you to confirm a delivery.');
  });

  it('lets start-deliveries confirm when combined with other roles', () => {
    expect(() => assertCan(actor('x', 'workflow', 'start-deliveries'), 'delivery:confirm')).not.toThrow();
  });

  it('never lets workflow send, even with administration', () => {
    const who = actor('w', 'workflow', 'administration');
    for (const a of ['delivery:confirm', 'delivery:resume', 'delivery:create'] as Action[]) {
      expect(can(who.roles, a)).toBe(false);
    }
  });
});

describe('parseGroups', () => {
  it.each([
    ['[start-deliveries administration]', ['start-deliveries', 'administration']],
    ['[start-deliveries, administration]', ['start-deliveries', 'administration']],
    ['["prepare-deliveries","workflow"]', ['prepare-deliveries', 'workflow']],
    ['start-deliveries,workflow', ['start-deliveries', 'workflow']],
    ['administration', ['administration']],
    ['[]', []],
    ['', []],
    ['[unknown start-deliveries unknown]', ['start-deliveries']],
    ['["start-deliveries"', ['start-deliveries']],
  ])('parses %j', (claim, expected) => {
    expect(parseGroups(claim)).toEqual(expected);
  });

  it('accepts arrays, drops non-strings and duplicates, and treats absent claims as no role', () => {
    expect(parseGroups(['workflow', 3, 'workflow', 'administration'])).toEqual([
      'workflow',
      'administration',
    ]);
    expect(parseGroups(undefined)).toEqual([]);
    expect(parseGroups({ groups: ['start-deliveries'] })).toEqual([]);
  });
});
