import type { Actor, Role } from '#domain/roles.ts';

export const actor = (username: string, ...roles: Role[]): Actor => ({
  sub: `sub-${username}`,
  username,
  roles,
});

export const starter = actor('stella', 'start-deliveries');
export const preparer = actor('pat', 'prepare-deliveries');
export const admin = actor('ada', 'administration');
export const workflowUser = actor('wendy', 'workflow');
export const nobody = actor('nora');
