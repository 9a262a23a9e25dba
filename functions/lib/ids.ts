import { randomUUID } from 'node:crypto';
import type { Clock, IdGenerator } from '#ports/index.ts';

export const systemClock: Clock = { now: () => new Date() };
export const uuids: IdGenerator = { next: () => randomUUID() };
