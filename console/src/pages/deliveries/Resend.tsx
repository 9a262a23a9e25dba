/**
 * Resend to who did not get it: once a send is over, a dialog says how many recipients a resend targets and why,
 * makes it (a new delivery in editing, on an audience of exactly those recipients) and opens it; the new delivery
 * says where it came from. The rule is the API's (shared/domain/resend.ts): soft bounces, recipients canceled when
 * the send was stopped, and messages in doubt past the window; never hard bounces, rejected messages, or addresses
 * opted out, quarantined or denylisted since.
 */
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { RESENDABLE_STATES, type ResendCause } from '#domain/resend.ts';
import { ApiError, type Delivery, type ResendTarget } from '../../api/client.ts';
import { useResend, useResendPreview } from '../../api/hooks.ts';
import { useAuth } from '../../auth/session.tsx';
import { useNotifications } from '../../layout/notifications.tsx';
import { ConfirmModal } from '../../lib/ConfirmModal.tsx';
import { errorMessage } from '../../lib/errors.tsx';
import { formatCount } from '../../lib/format.ts';

export const CAUSE_LABELS: Record<ResendCause, string> = {
  'soft-bounce': 'Soft bounces (mailbox full, server busy: SES gave up)',
  canceled: 'Canceled when the send was stopped',
  'in-doubt-expired': 'In doubt past the window (SES most probably never accepted them)',
};

export const NEVER_RESENT =
  'Never resent: hard bounces, messages SES rejected (it would again), recipients still in doubt, and profiles ' +
  'opted out, addresses quarantined or denylisted since, or without an address (checked when the resend is made, ' +
  'and again when it is prepared).';

/** Whether the delivery's send is over, so that a resend can be made of it. */
export const resendable = (d: Delivery): boolean =>
  (RESENDABLE_STATES as readonly string[]).includes(d.state) && !d.recurrence;

/** What a navigation to the new delivery carries: the answer's targeting, shown once on its dashboard. */
export interface ResendNavigationState {
  resendTarget?: ResendTarget;
}

const total = (byCause: Record<ResendCause, number>) =>
  byCause['soft-bounce'] + byCause.canceled + byCause['in-doubt-expired'];

const plural = (n: number, one: string, many: string) => `${formatCount(n)} ${n === 1 ? one : many}`;

export const ResendModal = ({ delivery, onClose }: { delivery: Delivery; onClose: () => void }) => {
  const auth = useAuth();
  const navigate = useNavigate();
  const { notify } = useNotifications();
  const canReadLog = auth.can('logs:read');
  const preview = useResendPreview(delivery, canReadLog);
  const resend = useResend(delivery.id);
  const [key] = useState(() => crypto.randomUUID());
  const [refused, setRefused] = useState<unknown>(null);
  const { kpis, progress } = delivery.deployment;
  const notProcessed = Math.max(0, progress.toDeliver - progress.processed);

  const make = async () => {
    setRefused(null);
    try {
      const next = await resend.mutateAsync(key);
      const n = next.resendTarget.profileIds.length;
      notify({
        type: 'success',
        header: `Resend created for ${plural(n, 'recipient', 'recipients')}`,
        content: 'Prepare it, then confirm it like any other delivery.',
      });
      onClose();
      navigate(`/console/deliveries/${next.id}`, {
        state: { resendTarget: next.resendTarget } satisfies ResendNavigationState,
      });
    } catch (e) {
      setRefused(e);
    }
  };

  const nothing = preview.data && total(preview.data.byCause) === 0;
  return (
    <ConfirmModal
      visible
      header="Resend to who did not get it"
      confirmText="Create the resend"
      loading={resend.isPending}
      confirmDisabled={!!nothing}
      onCancel={onClose}
      onConfirm={() => void make()}
    >
      <SpaceBetween size="m">
        <Box>
          A new delivery with the same content, on an audience of the recipients of &quot;{delivery.label}
          &quot; who did not get it. It is prepared and confirmed like any other.
        </Box>
        {canReadLog ? (
          preview.isPending ? (
            <Box>
              <Spinner /> Counting from the sending log…
            </Box>
          ) : preview.isError ? (
            <Alert type="warning">Could not count from the sending log: {errorMessage(preview.error)}</Alert>
          ) : (
            <SpaceBetween size="s">
              <Box variant="h3" tagOverride="p" data-testid="resend-count">
                {preview.data.partial ? 'At least ' : ''}
                {plural(total(preview.data.byCause), 'recipient', 'recipients')}
              </Box>
              <KeyValuePairs
                columns={1}
                ariaLabel="Recipients of the resend by cause"
                items={(Object.keys(CAUSE_LABELS) as ResendCause[]).map((cause) => ({
                  label: CAUSE_LABELS[cause],
                  value: (
                    <span className="tabular" data-resend-cause={cause}>
                      {formatCount(preview.data.byCause[cause])}
                    </span>
                  ),
                }))}
              />
            </SpaceBetween>
          )
        ) : (
          <SpaceBetween size="s">
            <Box variant="h3" tagOverride="p" data-testid="resend-count">
              Up to {plural(notProcessed + kpis.bouncesAndErrors, 'recipient', 'recipients')}
            </Box>
            <Box>
              {plural(notProcessed, 'recipient was', 'recipients were')} never processed (canceled when the
              send was stopped), and among the{' '}
              {plural(kpis.bouncesAndErrors, 'bounce or error', 'bounces and errors')} the soft bounces and
              the messages in doubt past the window. The exact number, by cause, is shown once the resend is
              made (the sending log, which has it, is for the Administration role).
            </Box>
          </SpaceBetween>
        )}
        <Box color="text-body-secondary" fontSize="body-s">
          {NEVER_RESENT}
        </Box>
        {nothing ? (
          <Alert type="info">
            Every recipient got the message or is never resent: there is nothing to resend.
          </Alert>
        ) : null}
        {refused ? (
          <Alert
            type={refused instanceof ApiError && refused.code === 'NOTHING_TO_RESEND' ? 'info' : 'error'}
            header="No resend was made"
          >
            {errorMessage(refused)}
          </Alert>
        ) : null}
      </SpaceBetween>
    </ConfirmModal>
  );
};

/** On a resend's dashboard: where it came from, and (right after it was made) whom it targets and why. */
export const ResendOrigin = ({
  delivery,
  target,
  members,
}: {
  delivery: Delivery;
  target: ResendTarget | undefined;
  members: number | undefined;
}) => {
  const navigate = useNavigate();
  const origin = delivery.resendOf;
  if (!origin) return null;
  const href = `/console/deliveries/${origin.deliveryId}`;
  return (
    <Alert type="info" header="A resend to who did not get a send">
      <SpaceBetween size="s">
        <span data-testid="resend-of">
          This delivery resends{' '}
          <Link
            href={href}
            onFollow={(e) => {
              e.preventDefault();
              navigate(href);
            }}
          >
            {origin.label}
          </Link>{' '}
          (version {origin.version}) to its recipients who did not get it
          {target
            ? `: ${plural(target.profileIds.length, 'recipient', 'recipients')}.`
            : members !== undefined
              ? `: ${plural(members, 'recipient', 'recipients')} in its audience.`
              : '.'}
        </span>
        {target ? (
          <KeyValuePairs
            columns={3}
            ariaLabel="Recipients of the resend"
            items={[
              ...(Object.keys(CAUSE_LABELS) as ResendCause[]).map((cause) => ({
                label: CAUSE_LABELS[cause],
                value: <span className="tabular">{formatCount(target.byCause[cause])}</span>,
              })),
              {
                label: 'Left out: opted out since',
                value: <span className="tabular">{formatCount(target.leftOut.optedOut)}</span>,
              },
              {
                label: 'Left out: quarantined or denylisted since',
                value: <span className="tabular">{formatCount(target.leftOut.quarantined)}</span>,
              },
              {
                label: 'Left out: no address',
                value: <span className="tabular">{formatCount(target.leftOut.noAddress)}</span>,
              },
            ]}
          />
        ) : null}
      </SpaceBetween>
    </Alert>
  );
};
