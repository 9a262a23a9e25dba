/**
 * The delivery dashboard: properties, audience, schedule and content, the Deployment block, the proofs, and the
 * action bar (Edit, Prepare, Confirm send, Pause, Resume, Stop, Resend to who did not get it). Confirm send is
 * offered to Start deliveries users only; anyone else sees Adobe Campaign's banner instead. A delivery the
 * reputation guard paused says why, with Resume for Start deliveries users; a resend says where it came from. It
 * re-reads itself while the delivery prepares or sends.
 */
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Table from '@cloudscape-design/components/table';
import { useState } from 'react';
import { useLocation, useNavigate, useParams } from 'react-router';
import { EDITABLE_STATES } from '#domain/delivery.ts';
import { CONFIRM_REFUSED } from '#domain/roles.ts';
import { ApiError, type Delivery } from '../../api/client.ts';
import {
  type DeliveryAction,
  useAudience,
  useComputeStats,
  useDelivery,
  useDeliveryAction,
  useTimeline,
} from '../../api/hooks.ts';
import { useAuth } from '../../auth/session.tsx';
import { useBreadcrumbs } from '../../layout/Shell.tsx';
import { useNotifications } from '../../layout/notifications.tsx';
import { ConfirmModal } from '../../lib/ConfirmModal.tsx';
import { ErrorAlert, errorMessage } from '../../lib/errors.tsx';
import { formatContactDate, formatCount, formatDateTime } from '../../lib/format.ts';
import { StateIndicator } from '../../lib/states.tsx';
import { Deployment } from './Deployment.tsx';
import { Proofs } from './Proofs.tsx';
import { ResendModal, type ResendNavigationState, ResendOrigin, resendable } from './Resend.tsx';

/** Who pauses a sending delivery whose bounce or complaint rate passed its threshold (shared/domain/delivery.ts). */
const REPUTATION_GUARD = 'reputation-guard';

/** Why the reputation guard paused the delivery, when it is paused and the guard was the last to pause it. */
export const guardPauseReason = (d: Delivery): string | null => {
  if (d.state !== 'paused') return null;
  const pause = [...d.history].reverse().find((h) => h.to === 'paused');
  if (!pause || !('system' in pause.by) || pause.by.system !== REPUTATION_GUARD) return null;
  return pause.reason ?? d.pauseReason ?? d.deployment.statusText;
};

/** What the Confirm send dialog says: at once, or when. */
export const confirmMessage = (d: Delivery): string => {
  if (d.schedule) return `Messages will be sent on ${formatContactDate(d.schedule)}.`;
  if (d.recurrence)
    return `The recurring schedule ${d.recurrence.expression} (${d.recurrence.timeZone}) starts: each occurrence creates an execution.`;
  return 'Messages are ready to be sent immediately.';
};

const QUESTIONS: Record<
  Exclude<DeliveryAction, 'prepare' | 'confirm'>,
  { header: string; body: string; button: string }
> = {
  pause: {
    header: 'Pause the send',
    body: 'No new message is sent until you resume. Messages already sent are not affected.',
    button: 'Pause',
  },
  resume: {
    header: 'Resume the send',
    body: 'Sending continues with the recipients not processed yet.',
    button: 'Resume',
  },
  stop: {
    header: 'Stop the send',
    body: 'Recipients not processed yet are canceled ("Delivery canceled"). A stopped delivery cannot be resumed.',
    button: 'Stop',
  },
};

export default function DeliveryDashboard() {
  const { id = '' } = useParams();
  const query = useDelivery(id);
  if (query.isPending) return <Spinner size="large" />;
  if (query.isError) return <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />;
  return <Dashboard delivery={query.data} />;
}

const Dashboard = ({ delivery }: { delivery: Delivery }) => {
  const navigate = useNavigate();
  const auth = useAuth();
  const { notify } = useNotifications();
  const audience = useAudience(delivery.audienceId);
  const timeline = useTimeline(delivery);
  const action = useDeliveryAction();
  const stats = useComputeStats(delivery.id);
  const [asking, setAsking] = useState<DeliveryAction | null>(null);
  const [resending, setResending] = useState(false);
  const [quota, setQuota] = useState<ApiError | null>(null);
  const { state: navigation } = useLocation() as { state: ResendNavigationState | null };
  const guardReason = guardPauseReason(delivery);
  useBreadcrumbs([
    { text: 'Deliveries', href: '/console/deliveries' },
    ...(delivery.parentId
      ? [{ text: 'Recurring delivery', href: `/console/recurring/${delivery.parentId}` }]
      : []),
    { text: delivery.label, href: `/console/deliveries/${delivery.id}` },
  ]);

  const state = delivery.state;
  const canConfirm = auth.can('delivery:confirm');
  const editable = (EDITABLE_STATES as readonly string[]).includes(state);

  const run = async (kind: DeliveryAction) => {
    try {
      const next = await action.mutateAsync({ id: delivery.id, action: kind });
      setAsking(null);
      setQuota(null);
      const done: Record<DeliveryAction, string> = {
        prepare: 'Preparation started.',
        confirm:
          next.state === 'scheduled'
            ? 'Confirmed: the send starts at the contact date.'
            : 'Confirmed: sending.',
        pause: 'Paused.',
        resume: 'Resumed.',
        stop: 'Stopped.',
      };
      notify({ type: 'success', content: done[kind] });
    } catch (e) {
      setAsking(null);
      if (e instanceof ApiError && e.code === 'QUOTA_EXCEEDED') setQuota(e);
      else notify({ type: 'error', header: 'Refused', content: errorMessage(e) });
    }
  };

  const buttons = [
    editable && auth.can('delivery:edit') ? (
      <Button key="edit" onClick={() => navigate(`/console/deliveries/${delivery.id}/edit`)}>
        Edit
      </Button>
    ) : null,
    ['editing', 'ready', 'preparation-failed'].includes(state) && auth.can('delivery:prepare') ? (
      <Button
        key="prepare"
        onClick={() => void run('prepare')}
        loading={action.isPending && action.variables?.action === 'prepare'}
      >
        Prepare
      </Button>
    ) : null,
    state === 'ready' && canConfirm ? (
      <Button key="confirm" variant="primary" iconName="send" onClick={() => setAsking('confirm')}>
        Confirm send
      </Button>
    ) : null,
    state === 'sending' && auth.can('delivery:pause') ? (
      <Button key="pause" onClick={() => setAsking('pause')}>
        Pause
      </Button>
    ) : null,
    state === 'paused' && auth.can('delivery:resume') ? (
      <Button key="resume" onClick={() => setAsking('resume')}>
        Resume
      </Button>
    ) : null,
    ['sending', 'paused', 'scheduled'].includes(state) && auth.can('delivery:stop') ? (
      <Button key="stop" onClick={() => setAsking('stop')}>
        Stop
      </Button>
    ) : null,
    resendable(delivery) && auth.can('delivery:create') ? (
      <Button key="resend" iconName="redo" onClick={() => setResending(true)}>
        Resend to who did not get it
      </Button>
    ) : null,
    delivery.recurrence ? (
      <Button key="executions" onClick={() => navigate(`/console/recurring/${delivery.id}`)}>
        Executions
      </Button>
    ) : null,
    auth.can('logs:read') && delivery.preparation ? (
      <Button key="logs" onClick={() => navigate(`/console/logs/${delivery.id}`)}>
        Logs
      </Button>
    ) : null,
  ].filter(Boolean);

  const question = asking && asking !== 'prepare' && asking !== 'confirm' ? QUESTIONS[asking] : null;

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={<StateIndicator state={state} />}
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              {buttons}
            </SpaceBetween>
          }
        >
          {delivery.label}
        </Header>
      }
    >
      <SpaceBetween size="l">
        {guardReason !== null ? (
          <Alert
            type="warning"
            header="Paused by the reputation guard"
            action={
              auth.can('delivery:resume') ? (
                <Button onClick={() => setAsking('resume')}>Resume</Button>
              ) : undefined
            }
          >
            <SpaceBetween size="xs">
              <span data-testid="guard-reason">{guardReason}</span>
              <span>
                SES reviews an account whose bounce rate reaches 5 % or complaint rate 0.1 %, and may pause
                all its sending: this delivery was paused before that. Look at its hard bounces and where its
                audience came from before resuming; after a resume the guard judges only what happens next.
                {auth.can('delivery:resume') ? '' : ' A user with Start deliveries can resume it.'}
              </span>
              {auth.can('logs:read') ? (
                <Link
                  href={`/console/logs/${delivery.id}`}
                  onFollow={(e) => {
                    e.preventDefault();
                    navigate(`/console/logs/${delivery.id}`);
                  }}
                >
                  Open the sending log
                </Link>
              ) : null}
            </SpaceBetween>
          </Alert>
        ) : null}
        <ResendOrigin
          delivery={delivery}
          target={navigation?.resendTarget}
          members={audience.data?.memberCount}
        />
        {state === 'ready' && !canConfirm ? (
          <Alert type="info" header="Information">
            {CONFIRM_REFUSED}
          </Alert>
        ) : null}
        {quota ? (
          <Alert
            type="error"
            header="The send is larger than the remaining sending quota"
            dismissible
            onDismiss={() => setQuota(null)}
          >
            <SpaceBetween size="s">
              <span>{quota.message}</span>
              <KeyValuePairs
                columns={3}
                items={[
                  { label: 'To deliver', value: formatCount(Number(quota.details.toDeliver)) },
                  { label: 'Remaining in 24 hours', value: formatCount(Number(quota.details.remaining)) },
                  { label: '24-hour quota', value: formatCount(Number(quota.details.max24HourSend)) },
                ]}
              />
            </SpaceBetween>
          </Alert>
        ) : null}
        {state === 'ready' && canConfirm ? (
          <Alert type="success">
            Send preparation completed.{' '}
            <Link onFollow={() => setAsking('confirm')}>Confirm to start sending.</Link>
          </Alert>
        ) : null}
        <Deployment
          delivery={delivery}
          timeline={timeline.data}
          timelineLoading={timeline.isLoading}
          computing={stats.isPending}
          onComputeStats={() =>
            stats.mutate(undefined, {
              onSuccess: (r) =>
                notify({
                  type: 'success',
                  content: `Statistics computed at ${formatDateTime(r.computedAt.realTime)}.`,
                }),
              onError: (e) =>
                notify({ type: 'error', header: 'Compute stats failed', content: errorMessage(e) }),
            })
          }
        />
        <Proofs delivery={delivery} />
        <ColumnLayout columns={2}>
          <Container header={<Header variant="h2">Properties</Header>}>
            <KeyValuePairs
              columns={2}
              items={[
                { label: 'Label', value: delivery.label },
                { label: 'Delivery id', value: <Box variant="code">{delivery.id}</Box> },
                {
                  label: 'Created',
                  value: `${formatDateTime(delivery.createdAt)} by ${delivery.createdBy.username}`,
                },
                { label: 'Version', value: delivery.version },
                {
                  label: 'Confirmed',
                  value: delivery.confirmedAt
                    ? `${formatDateTime(delivery.confirmedAt)} by ${delivery.confirmedBy?.username ?? '–'}${delivery.autoConfirmed ? ' (automatically)' : ''}`
                    : 'Not yet',
                },
                ...(delivery.failureReason ? [{ label: 'Failure', value: delivery.failureReason }] : []),
              ]}
            />
          </Container>
          <Container header={<Header variant="h2">Audience and schedule</Header>}>
            <KeyValuePairs
              columns={2}
              items={[
                {
                  label: 'Audience',
                  value: (
                    <Link
                      href={`/console/audiences/${delivery.audienceId}`}
                      onFollow={(e) => {
                        e.preventDefault();
                        navigate(`/console/audiences/${delivery.audienceId}`);
                      }}
                    >
                      {audience.data?.name ?? delivery.audienceId}
                    </Link>
                  ),
                },
                { label: 'Members', value: audience.data ? formatCount(audience.data.memberCount) : '–' },
                {
                  label: 'Contact date',
                  value: delivery.recurrence
                    ? `Recurring: ${delivery.recurrence.expression} (${delivery.recurrence.timeZone})`
                    : formatContactDate(delivery.schedule),
                },
                ...(delivery.recurrence
                  ? [
                      {
                        label: 'Request confirmation before sending messages',
                        value: delivery.recurrence.requestConfirmation ? 'Yes' : 'No',
                      },
                    ]
                  : []),
              ]}
            />
          </Container>
        </ColumnLayout>
        <Container header={<Header variant="h2">Content</Header>}>
          <SpaceBetween size="m">
            <KeyValuePairs
              columns={2}
              items={[
                { label: 'From', value: delivery.content.from },
                { label: 'Subject', value: delivery.content.subject },
              ]}
            />
            <ExpandableSection headerText="Message preview">
              <iframe
                className="preview-frame"
                title="Message preview"
                sandbox=""
                srcDoc={delivery.content.html}
              />
            </ExpandableSection>
          </SpaceBetween>
        </Container>
        <ExpandableSection
          headerText="History"
          variant="container"
          headerDescription="Every transition, by whom and when"
        >
          <Table
            variant="borderless"
            items={[...delivery.history].reverse()}
            ariaLabels={{ tableLabel: 'History' }}
            columnDefinitions={[
              { id: 'at', header: 'When', cell: (h) => formatDateTime(h.at) },
              { id: 'action', header: 'Action', cell: (h) => h.action },
              { id: 'to', header: 'State', cell: (h) => <StateIndicator state={h.to} /> },
              { id: 'by', header: 'By', cell: (h) => ('username' in h.by ? h.by.username : h.by.system) },
              { id: 'reason', header: 'Reason', cell: (h) => h.reason ?? '' },
            ]}
          />
        </ExpandableSection>
      </SpaceBetween>
      <ConfirmModal
        visible={asking === 'confirm'}
        header="Confirm send"
        confirmText="OK"
        loading={action.isPending}
        onCancel={() => setAsking(null)}
        onConfirm={() => void run('confirm')}
      >
        {confirmMessage(delivery)}
      </ConfirmModal>
      {resending ? <ResendModal delivery={delivery} onClose={() => setResending(false)} /> : null}
      {question ? (
        <ConfirmModal
          visible
          header={question.header}
          confirmText={question.button}
          loading={action.isPending}
          onCancel={() => setAsking(null)}
          onConfirm={() => void run(asking!)}
        >
          {question.body}
        </ConfirmModal>
      ) : null}
    </ContentLayout>
  );
};
