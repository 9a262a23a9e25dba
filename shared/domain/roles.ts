/**
 * Roles are Cognito groups. The `cognito:groups` claim reaches a Lambda behind an HTTP API JWT authorizer as a
 * string such as "[a b]"; locally and in tests it may also be an array or a JSON array string.
 */
import { forbidden } from './errors.ts';

export const ROLES = ['start-deliveries', 'prepare-deliveries', 'administration', 'workflow'] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  sub: string;
  username: string;
  roles: readonly Role[];
}

export type Action =
  | 'read'
  | 'profiles:write'
  | 'audiences:write'
  | 'delivery:create'
  | 'delivery:edit'
  | 'delivery:prepare'
  | 'delivery:proof'
  | 'delivery:confirm'
  | 'delivery:pause'
  | 'delivery:resume'
  | 'delivery:stop'
  | 'stats:compute'
  | 'logs:read';

const PREPARE: readonly Action[] = [
  'profiles:write',
  'audiences:write',
  'delivery:create',
  'delivery:edit',
  'delivery:prepare',
  'delivery:proof',
];

/** What each role grants beyond 'read' and 'stats:compute', which every signed-in user has. */
const GRANTS: Record<Role, readonly Action[]> = {
  'prepare-deliveries': PREPARE,
  'start-deliveries': [...PREPARE, 'delivery:confirm', 'delivery:pause', 'delivery:resume', 'delivery:stop'],
  administration: ['logs:read'],
  workflow: [],
};

export const CONFIRM_REFUSED = 'Your permissions do not allow you to confirm a delivery.';

const REFUSALS: Record<Action, string> = {
  read: 'Your permissions do not allow you to read this.',
  'profiles:write': 'Your permissions do not allow you to change profiles.',
  'audiences:write': 'Your permissions do not allow you to change audiences.',
  'delivery:create': 'Your permissions do not allow you to create a delivery.',
  'delivery:edit': 'Your permissions do not allow you to edit a delivery.',
  'delivery:prepare': 'Your permissions do not allow you to prepare a delivery.',
  'delivery:proof': 'Your permissions do not allow you to send a proof.',
  'delivery:confirm': CONFIRM_REFUSED,
  'delivery:pause': 'Your permissions do not allow you to pause a delivery.',
  'delivery:resume': 'Your permissions do not allow you to resume a delivery.',
  'delivery:stop': 'Your permissions do not allow you to stop a delivery.',
  'stats:compute': 'Your permissions do not allow you to compute statistics.',
  'logs:read': 'Your permissions do not allow you to read delivery logs.',
};

export const can = (roles: readonly Role[], action: Action): boolean =>
  action === 'read' || action === 'stats:compute' || roles.some((role) => GRANTS[role].includes(action));

/** Throws the 403 domain error for `action` unless one of the actor's roles grants it. */
export const assertCan = (actor: Actor, action: Action): void => {
  if (!can(actor.roles, action)) throw forbidden(REFUSALS[action]);
};

const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/**
 * Parses the groups claim defensively: "[a b]", "[a, b]", '["a","b"]', "a,b", "a" or an array. Unknown groups
 * are dropped; an absent or malformed claim yields no roles (never an error: a user with no group is valid).
 */
export const parseGroups = (claim: unknown): Role[] => {
  let names: unknown[] = [];
  if (Array.isArray(claim)) names = claim;
  else if (typeof claim === 'string') {
    const text = claim.trim();
    if (text.startsWith('[') && text.includes('"')) {
      try {
        const parsed: unknown = JSON.parse(text);
        names = Array.isArray(parsed) ? parsed : [];
      } catch {
        names = text.replace(/^\[|\]$/g, '').split(/[\s,"]+/);
      }
    } else names = text.replace(/^\[|\]$/g, '').split(/[\s,]+/);
  }
  const roles = names.filter((n): n is string => typeof n === 'string').map((n) => n.trim());
  return [...new Set(roles.filter(isRole))];
};
