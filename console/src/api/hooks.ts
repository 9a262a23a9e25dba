/**
 * Server state with TanStack Query: one hook per read, polling while a delivery moves (preparing, sending) so the
 * Deployment block follows it, and mutations that refresh what they change.
 */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ResendCause, resendCause } from '#domain/resend.ts';
import { useApi } from './context.tsx';
import {
  type Audience,
  type Delivery,
  type DeliveryInput,
  type DeliveryState,
  type Proof,
  type SendingLogEntry,
  unwrap,
} from './client.ts';

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

/** Proofs move while SES events arrive: pending and sent recipients, and opens or clicks in the first minutes. */
export const proofsMoving = (proofs: readonly Proof[], now = Date.now()): boolean =>
  proofs.some(
    (p) =>
      now - Date.parse(p.sentAt) < 5 * 60_000 ||
      p.recipients.some((r) => r.status === 'pending' || r.status === 'sent'),
  );

export const useProofs = (id: string) => {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: ['proofs', id],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/deliveries/{id}/proofs', {
          params: { path: { id }, query: { limit: 20, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: (query) =>
      proofsMoving(query.state.data?.pages.flatMap((p) => p.items) ?? []) ? 2000 : false,
  });
};

/** Sends a proof; `key` (one per dialog) makes a retried request replay the first answer instead of sending again. */
export const useSendProof = (id: string) => {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ addresses, key }: { addresses: string[]; key: string }) =>
      unwrap(
        api.POST('/deliveries/{id}/proofs', {
          params: { path: { id }, header: { 'Idempotency-Key': key } },
          body: { addresses },
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['proofs', id] }),
  });
};

/** Makes the resend of a delivery whose send is over (a new delivery, in editing); `key` as for proofs. */
export const useResend = (id: string) => {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (key: string) =>
      unwrap(
        api.POST('/deliveries/{id}/resend', {
          params: { path: { id }, header: { 'Idempotency-Key': key } },
        }),
      ),
    onSuccess: (resend) => {
      const { resendTarget: _target, ...delivery } = resend;
      queryClient.setQueryData(['delivery', resend.id], delivery);
      void queryClient.invalidateQueries({ queryKey: ['deliveries'] });
    },
  });
};

/** Sending-log entries read for a resend's estimate, at most (per status) before it says "at least". */
export const RESEND_PREVIEW_MAX = 2000;

export interface ResendPreview {
  byCause: Record<ResendCause, number>;
  /** Some failed or canceled entries were not read (more than RESEND_PREVIEW_MAX): the counts are lower bounds. */
  partial: boolean;
}

/**
 * Who a resend would target, counted from the sending log with the API's own rule (`resendCause`, shared domain):
 * before the exclusions checked at the time of the resend (opted out, quarantined, no address). The sending log
 * is the Administration role's: without it the dialog explains the rule and gives bounds from the KPIs instead.
 */
export const useResendPreview = (delivery: Delivery, enabled: boolean) => {
  const api = useApi();
  return useQuery({
    queryKey: ['resend-preview', delivery.id, delivery.version],
    enabled,
    // Counted again each time the dialog opens: a stop cancels its recipients after the delivery says stopped.
    staleTime: 0,
    queryFn: async (): Promise<ResendPreview> => {
      const byCause: Record<ResendCause, number> = { 'soft-bounce': 0, canceled: 0, 'in-doubt-expired': 0 };
      let partial = false;
      for (const status of ['failed', 'canceled'] as const) {
        const { items, truncated } = await allPages<SendingLogEntry>(
          (cursor) =>
            unwrap(
              api.GET('/deliveries/{id}/sending-logs', {
                params: {
                  path: { id: delivery.id },
                  query: { status, limit: 100, ...(cursor ? { cursor } : {}) },
                },
              }),
            ),
          RESEND_PREVIEW_MAX,
        );
        partial ||= truncated;
        for (const entry of items) {
          const cause = resendCause(entry);
          if (cause) byCause[cause]++;
        }
      }
      return { byCause, partial };
    },
  });
};
