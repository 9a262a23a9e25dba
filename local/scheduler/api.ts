/**
 * The part of Scheduler's wire protocol (restJson1) that `@aws-sdk/client-scheduler` uses for schedules:
 *
 *   CreateSchedule  POST   /schedules/{Name}                       body: the schedule, GroupName, ClientToken
 *   GetSchedule     GET    /schedules/{Name}?groupName=
 *   UpdateSchedule  PUT    /schedules/{Name}                       body: the whole schedule again
 *   DeleteSchedule  DELETE /schedules/{Name}?groupName=&clientToken=
 *   ListSchedules   GET    /schedules?ScheduleGroup=&NamePrefix=&State=&NextToken=&MaxResults=
 *
 * Timestamps are epoch seconds. Schedule groups are not served: `default` and the groups given at start exist.
 */
import { ApiError, conflict, notFound, validation } from './errors.ts';
import {
  buildSchedule,
  describeSchedule,
  epochSeconds,
  groupOf,
  type ScheduleContext,
} from './schedule-input.ts';
import { DEFAULT_GROUP, scheduleKey, type ScheduleStore, type StoredSchedule } from './store.ts';

/** One API call: answers the JSON body, or throws an ApiError. */
export type SchedulerApi = (
  method: string,
  path: string,
  query: URLSearchParams,
  body: () => Promise<unknown>,
) => Promise<unknown>;

export interface SchedulerApiDeps {
  store: ScheduleStore;
  groups: ReadonlySet<string>;
  canTarget(arn: string): boolean;
  region: string;
  accountId: string;
  now: () => number;
}

export const schedulerApi = (deps: SchedulerApiDeps): SchedulerApi => {
  const { store, groups } = deps;
  const context = (): ScheduleContext => ({
    groups,
    canTarget: deps.canTarget,
    arnOf: (group, name) => `arn:aws:scheduler:${deps.region}:${deps.accountId}:schedule/${group}/${name}`,
    nowMs: deps.now(),
  });

  const getOrThrow = (group: string, name: string): StoredSchedule => {
    if (!groups.has(group)) throw notFound(`Schedule group ${group} does not exist.`);
    const s = store.get(scheduleKey(group, name));
    if (!s) throw notFound(`Schedule ${name} does not exist.`);
    return s;
  };

  const create = (name: string, input: Record<string, unknown>) => {
    const existing = store.get(scheduleKey(groupOf(input), name));
    if (existing) {
      // A retried request (same client token) gets the first answer.
      if (typeof input.ClientToken === 'string' && input.ClientToken === existing.ClientToken)
        return { ScheduleArn: existing.Arn };
      throw conflict(`Schedule ${name} already exists.`);
    }
    const schedule = buildSchedule(name, input, context());
    store.put(schedule);
    store.save();
    return { ScheduleArn: schedule.Arn };
  };

  const update = (name: string, input: Record<string, unknown>) => {
    const existing = getOrThrow(groupOf(input), name);
    const schedule = buildSchedule(name, input, context(), existing);
    store.put(schedule);
    store.save();
    return { ScheduleArn: schedule.Arn };
  };

  const list = (query: URLSearchParams) => {
    const group = query.get('ScheduleGroup');
    const prefix = query.get('NamePrefix') ?? '';
    const state = query.get('State');
    const max = Number(query.get('MaxResults') ?? 100);
    if (!Number.isInteger(max) || max < 1 || max > 100)
      throw validation('MaxResults must be between 1 and 100.');
    if (group !== null && !groups.has(group)) throw notFound(`Schedule group ${group} does not exist.`);
    const keyOf = (s: StoredSchedule) => scheduleKey(s.GroupName, s.Name);
    const all = [...store.values()]
      .filter((s) => (group === null || s.GroupName === group) && s.Name.startsWith(prefix))
      .filter((s) => state === null || s.State === state)
      .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    const token = query.get('NextToken');
    const from = token ? all.findIndex((s) => keyOf(s) > Buffer.from(token, 'base64url').toString()) : 0;
    const page = from < 0 ? [] : all.slice(from, from + max);
    const last = page[page.length - 1];
    const more = from >= 0 && from + max < all.length && last;
    return {
      Schedules: page.map((s) => ({
        Arn: s.Arn,
        Name: s.Name,
        GroupName: s.GroupName,
        State: s.State,
        CreationDate: epochSeconds(s.CreationDate),
        LastModificationDate: epochSeconds(s.LastModificationDate),
        Target: { Arn: s.Target.Arn },
      })),
      ...(more ? { NextToken: Buffer.from(keyOf(last)).toString('base64url') } : {}),
    };
  };

  return async (method, path, query, body) => {
    const one = /^\/schedules\/([^/]+)$/.exec(path);
    if (one) {
      const name = decodeURIComponent(one[1]!);
      if (method === 'POST') return create(name, (await body()) as Record<string, unknown>);
      if (method === 'PUT') return update(name, (await body()) as Record<string, unknown>);
      const group = query.get('groupName') || DEFAULT_GROUP;
      if (method === 'GET') return describeSchedule(getOrThrow(group, name));
      if (method === 'DELETE') {
        getOrThrow(group, name);
        store.delete(scheduleKey(group, name));
        store.save();
        return {};
      }
    }
    if (path === '/schedules' && method === 'GET') return list(query);
    throw new ApiError(
      404,
      'UnknownOperationException',
      `The local scheduler does not serve ${method} ${path}.`,
    );
  };
};
