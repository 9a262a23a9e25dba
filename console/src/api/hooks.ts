/**
 * Server state with TanStack Query: one hook per read, polling while a delivery moves (preparing, sending) so the
 * Deployment block follows it, and mutations that refresh what they change.
 */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useApi } from './context.tsx';
import { type Audience, type Delivery, type DeliveryInput, type DeliveryState, unwrap } from './client.ts';

/** How often a delivery in this state is read again (ms), or false when it does not move by itself. */
export const pollInterval = (delivery: Delivery | undefined): number | false => {
  if (!delivery) return false;
  const state: DeliveryState = delivery.state;
  if (state === 'preparing' || state === 'sending') return 1500;
  if (state === 'scheduled' || state === 'paused') return 10_000;
  // SES events (deliveries, bounces, opens) keep arriving for a while after the last message is sent.
  if (state === 'finished' && Date.now() - Date.parse(delivery.updatedAt) < 5 * 60_000) return 3000;
  return false;
};

/** Reads every page of a list (up to `max` items): lists the console filters and searches in the browser. */
const allPages = async <T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  max: number,
): Promise<{ items: T[]; truncated: boolean }> => {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    items.push(...next.items);
    cursor = next.nextCursor ?? undefined;
  } while (cursor && items.length < max);
  return { items, truncated: cursor !== undefined };
};

export const MAX_LISTED = 1000;

export const useDeliveries = () => {
  const api = useApi();
  return useQuery({
    queryKey: ['deliveries'],
    queryFn: () =>
      allPages(
        (cursor) =>
          unwrap(
            api.GET('/deliveries', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }),
          ),
        MAX_LISTED,
      ),
    refetchInterval: (query) =>
      query.state.data?.items.some((d) => pollInterval(d) !== false) ? 5000 : false,
  });
};

/** Progress samples of the deliveries being read, recorded as each read answers (for the ETA). */
const samples = new Map<string, Array<{ at: number; processed: number }>>();

const recordProgress = (delivery: Delivery): Delivery => {
  if (delivery.state !== 'sending') {
    samples.delete(delivery.id);
    return delivery;
  }
  const at = Date.now();
  const { processed } = delivery.deployment.progress;
  const list = samples.get(delivery.id) ?? [];
  if (list.at(-1)?.processed !== processed) list.push({ at, processed });
  while (list.length > 2 && at - list[0]!.at > 30_000) list.shift();
  samples.set(delivery.id, list);
  return delivery;
};

/** Seconds left at the pace of the last 30 s of reads, or null before the pace is known. */
export const etaSeconds = (delivery: Delivery): number | null => {
  const list = samples.get(delivery.id) ?? [];
  const first = list[0];
  const last = list.at(-1);
  if (delivery.state !== 'sending' || !first || !last || last.processed <= first.processed) return null;
  const perSecond = (last.processed - first.processed) / ((last.at - first.at) / 1000);
  const { processed, toDeliver } = delivery.deployment.progress;
  return Math.max(0, toDeliver - processed) / perSecond;
};

export const useDelivery = (id: string) => {
  const api = useApi();
  return useQuery({
    queryKey: ['delivery', id],
    queryFn: async () =>
      recordProgress(await unwrap(api.GET('/deliveries/{id}', { params: { path: { id } } }))),
    enabled: id !== '',
    refetchInterval: (query) => pollInterval(query.state.data),
  });
};

export const useTimeline = (delivery: Delivery | undefined) => {
  const api = useApi();
  const id = delivery?.id ?? '';
  const interval = pollInterval(delivery);
  return useQuery({
    queryKey: ['timeline', id],
    queryFn: () => unwrap(api.GET('/deliveries/{id}/timeline', { params: { path: { id } } })),
    enabled: !!delivery && !!delivery.preparation,
    refetchInterval: interval === false ? false : Math.max(interval, 5000),
  });
};

export const useExecutions = (id: string | undefined) => {
  const api = useApi();
  return useQuery({
    queryKey: ['executions', id],
    queryFn: () =>
      allPages(
        (cursor) =>
          unwrap(
            api.GET('/deliveries/{id}/executions', {
              params: { path: { id: id! }, query: { limit: 100, ...(cursor ? { cursor } : {}) } },
            }),
          ),
        MAX_LISTED,
      ),
    enabled: !!id,
    refetchInterval: (query) =>
      query.state.data?.items.some((d) => pollInterval(d) !== false) ? 3000 : 15_000,
  });
};

export const useAudiences = () => {
  const api = useApi();
  return useQuery({
    queryKey: ['audiences'],
    queryFn: () =>
      allPages(
        (cursor) =>
          unwrap(api.GET('/audiences', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } })),
        MAX_LISTED,
      ),
  });
};

export const useAudience = (id: string) => {
  const api = useApi();
  return useQuery({
    queryKey: ['audience', id],
    queryFn: () => unwrap(api.GET('/audiences/{id}', { params: { path: { id } } })),
  });
};

export const useAudienceProfiles = (id: string) => {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: ['audience-profiles', id],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/audiences/{id}/profiles', {
          params: { path: { id }, query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
};

export const useProfile = (id: string) => {
  const api = useApi();
  return useQuery({
    queryKey: ['profile', id],
    queryFn: () => unwrap(api.GET('/profiles/{id}', { params: { path: { id } } })),
    retry: (count, error) => (error as { status?: number }).status !== 404 && count < 2,
  });
};

export const useProfileHistory = (id: string) => {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: ['profile-history', id],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/profiles/{id}/history', {
          params: { path: { id }, query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
};

export type DeliveryAction = 'prepare' | 'confirm' | 'pause' | 'resume' | 'stop';

/** Prepare, confirm, pause, resume, stop: the answer replaces the cached delivery and lists refresh. */
export const useDeliveryAction = () => {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: DeliveryAction }) => {
      const params = { params: { path: { id } } };
      switch (action) {
        case 'prepare':
          return unwrap(api.POST('/deliveries/{id}/prepare', params));
        case 'confirm':
          return unwrap(api.POST('/deliveries/{id}/confirm', params));
        case 'pause':
          return unwrap(api.POST('/deliveries/{id}/pause', params));
        case 'resume':
          return unwrap(api.POST('/deliveries/{id}/resume', params));
        case 'stop':
          return unwrap(api.POST('/deliveries/{id}/stop', params));
      }
    },
    onSuccess: (delivery) => {
      queryClient.setQueryData(['delivery', delivery.id], delivery);
      void queryClient.invalidateQueries({ queryKey: ['deliveries'] });
      if (delivery.parentId)
        void queryClient.invalidateQueries({ queryKey: ['executions', delivery.parentId] });
    },
  });
};

export const useComputeStats = (id: string) => {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/deliveries/{id}/compute-stats', { params: { path: { id } } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['delivery', id] });
      void queryClient.invalidateQueries({ queryKey: ['timeline', id] });
    },
  });
};

export const useSaveDelivery = (id: string | undefined) => {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: DeliveryInput) =>
      id
        ? unwrap(api.PATCH('/deliveries/{id}', { params: { path: { id } }, body: input }))
        : unwrap(api.POST('/deliveries', { body: input })),
    onSuccess: (delivery) => {
      queryClient.setQueryData(['delivery', delivery.id], delivery);
      void queryClient.invalidateQueries({ queryKey: ['deliveries'] });
    },
  });
};

export const useCreateAudience = () => {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string): Promise<Audience> => unwrap(api.POST('/audiences', { body: { name } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['audiences'] }),
  });
};
