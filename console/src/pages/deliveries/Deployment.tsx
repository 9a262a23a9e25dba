/**
 * The Deployment block: status text, preparation progress and exclusions, the send's progress with processed / to
 * deliver and an ETA, the KPI tiles (each with its count and when it was computed; open rate and CTR from all
 * events beside the human ones), the chart of sends and outcomes, and Compute stats. Fixed tile sizes and tabular figures: nothing moves as the numbers do.
 */
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import MixedLineBarChart from '@cloudscape-design/components/mixed-line-bar-chart';
import Popover from '@cloudscape-design/components/popover';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { ReactNode } from 'react';
import { CLICK_MIN_HUMAN_SECONDS } from '#domain/engagement.ts';
import type { Delivery, Timeline } from '../../api/client.ts';
import { etaSeconds } from '../../api/hooks.ts';
import { formatCount, formatDuration, formatRate, formatTime } from '../../lib/format.ts';

const CAUSES: Record<string, string> = {
  'address-missing': 'Address missing',
  'duplicate-address': 'Duplicate address',
  quarantined: 'Address quarantined',
  denylisted: 'Address on the denylist',
  'opted-out': 'Profile opted out',
};

export const causeLabel = (cause: string) => CAUSES[cause] ?? cause;

/** What "human" means beside the all-events figures (the rules: shared/domain/engagement.ts). */
export const HUMAN_EXPLANATION =
  'All events: every open and click SES reports. Human: without the machine ones, the mail privacy proxies ' +
  '(Apple Mail Privacy Protection) that open every message as it arrives and the security scanners that follow ' +
  'every link as it passes. Both over the same delivered count.';

const HumanLabel = ({ children }: { children: ReactNode }) => (
  <SpaceBetween direction="horizontal" size="xxs" alignItems="center">
    <span>{children}</span>
    <Popover
      header="Human opens and clicks"
      size="medium"
      triggerType="custom"
      content={
        <SpaceBetween size="xs">
          <span>
            Each open and click is classified from its user agent and timing. Machine: Apple Mail Privacy
            Protection (the bare user agent Mozilla/5.0), security gateways and link checkers that name
            themselves, requests with no user agent, and clicks less than {CLICK_MIN_HUMAN_SECONDS} s after
            delivery. Human: mail clients, and Gmail&apos;s image proxy (it fetches images when the reader
            opens).
          </span>
          <span>The tracking log shows the verdict and the rule for each event.</span>
        </SpaceBetween>
      }
    >
      <Button variant="inline-icon" iconName="status-info" ariaLabel="What human means" />
    </Popover>
  </SpaceBetween>
);

const Tile = ({
  id,
  label,
  value,
  count,
  at,
}: {
  id: string;
  label: ReactNode;
  value: string;
  count?: string;
  at: string | null;
}) => (
  <div className="kpi-tile" data-kpi={id}>
    <div className="kpi-label">
      <Box variant="awsui-key-label">{label}</Box>
    </div>
    <Box fontSize="display-l" fontWeight="light">
      <span className="tabular" data-kpi-value>
        {value}
      </span>
    </Box>
    <Box color="text-body-secondary" fontSize="body-s">
      {count ? (
        <span className="tabular" data-kpi-count>
          {count}
          <br />
        </span>
      ) : null}
      {at ? `Updated at ${formatTime(at)}` : 'Not computed yet'}
    </Box>
  </div>
);

const SERIES = [
  { key: 'sent', title: 'Sent', type: 'bar' },
  { key: 'delivered', title: 'Delivered', type: 'line' },
  { key: 'bouncesAndErrors', title: 'Bounces + errors', type: 'line' },
  { key: 'uniqueOpens', title: 'Opened', type: 'line' },
  { key: 'uniqueClicks', title: 'Clicked', type: 'line' },
] as const;

const SendsChart = ({ timeline, loading }: { timeline: Timeline | undefined; loading: boolean }) => {
  const buckets = timeline?.buckets ?? [];
  const step = timeline?.bucketSeconds ?? 1;
  return (
    <div className="chart-box">
      <MixedLineBarChart
        height={240}
        statusType={loading ? 'loading' : 'finished'}
        loadingText="Loading the timeline"
        hideFilter
        xScaleType="categorical"
        xTitle={`Time (per ${formatDuration(step)})`}
        yTitle="Recipients"
        ariaLabel="Sends and outcomes over time"
        series={(buckets.length === 0 ? [] : SERIES).map((s) => ({
          type: s.type,
          title: s.title,
          data: buckets.map((b) => ({ x: formatTime(b.at), y: b[s.key] })),
        }))}
        xDomain={buckets.map((b) => formatTime(b.at))}
        empty={
          <Box textAlign="center" color="inherit">
            No message sent yet
          </Box>
        }
        noMatch={<Box textAlign="center">No data</Box>}
      />
    </div>
  );
};

export const Deployment = ({
  delivery,
  timeline,
  timelineLoading,
  onComputeStats,
  computing,
}: {
  delivery: Delivery;
  timeline: Timeline | undefined;
  timelineLoading: boolean;
  onComputeStats: () => void;
  computing: boolean;
}) => {
  const { deployment, preparation } = delivery;
  const { kpis, computedAt, progress } = deployment;
  const eta = etaSeconds(delivery);
  const started =
    ['sending', 'paused', 'finished', 'stopped'].includes(delivery.state) || !!delivery.confirmedAt;
  const percent = progress.toDeliver > 0 ? Math.round((progress.processed / progress.toDeliver) * 100) : 0;

  return (
    <Container
      header={
        <Header
          variant="h2"
          actions={
            <Button onClick={onComputeStats} loading={computing} disabled={!preparation}>
              Compute stats
            </Button>
          }
          description="Open rate and click-through rate refresh every hour; Compute stats recomputes every figure now."
        >
          Deployment
        </Header>
      }
    >
      <SpaceBetween size="l">
        <Box variant="h3" tagOverride="p" data-status-text>
          <span data-testid="status-text">{deployment.statusText}</span>
        </Box>
        {delivery.state === 'preparing' ? (
          <ProgressBar
            label="Preparation"
            value={deployment.preparation?.percent ?? 0}
            description={
              deployment.preparation
                ? `${formatCount(deployment.preparation.targeted)} of ${formatCount(deployment.preparation.audienceSize)} profiles read`
                : 'Starting'
            }
          />
        ) : null}
        {preparation?.errors && preparation.errors.length > 0 ? (
          <Alert type="error" header="Preparation failed">
            <ul>
              {preparation.errors.map((e) => (
                <li key={e}>{e}</li>
              ))}
            </ul>
          </Alert>
        ) : null}
        {preparation && delivery.state !== 'preparing' && !preparation.errors ? (
          <ColumnLayout columns={2} variant="text-grid">
            <KeyValuePairs
              columns={3}
              items={[
                {
                  label: 'Targeted',
                  value: <span className="tabular">{formatCount(preparation.targeted)}</span>,
                },
                {
                  label: 'To deliver',
                  value: <span className="tabular">{formatCount(preparation.toDeliver)}</span>,
                },
                {
                  label: 'Excluded',
                  value: <span className="tabular">{formatCount(preparation.excluded)}</span>,
                },
              ]}
            />
            <KeyValuePairs
              ariaLabel="Exclusions by cause"
              columns={2}
              items={
                Object.keys(preparation.exclusions).length > 0
                  ? Object.entries(preparation.exclusions).map(([cause, n]) => ({
                      label: causeLabel(cause),
                      value: (
                        <span className="tabular" data-exclusion={cause}>
                          {formatCount(n)}
                        </span>
                      ),
                    }))
                  : [{ label: 'Exclusions', value: 'None' }]
              }
            />
          </ColumnLayout>
        ) : null}
        {started ? (
          <ProgressBar
            label="Send progress"
            value={percent}
            description={
              <span className="tabular" data-testid="progress-counts">
                {formatCount(progress.processed)} processed of {formatCount(progress.toDeliver)} to deliver
              </span>
            }
            additionalInfo={
              delivery.state === 'sending'
                ? eta === null
                  ? 'Estimating the time left…'
                  : `About ${formatDuration(eta)} left at the current pace`
                : undefined
            }
            status={delivery.state === 'finished' ? 'success' : 'in-progress'}
            resultText="All messages have been processed."
          />
        ) : null}
        <ColumnLayout columns={4} borders="vertical" minColumnWidth={150}>
          <Tile
            id="toDeliver"
            label="To deliver"
            value={formatCount(kpis.toDeliver)}
            at={computedAt.realTime}
          />
          <Tile id="sent" label="Sent" value={formatCount(kpis.sent)} at={computedAt.realTime} />
          <Tile
            id="delivered"
            label="Delivered"
            value={formatRate(kpis.deliveredRate)}
            count={`${formatCount(kpis.delivered)} delivered`}
            at={computedAt.realTime}
          />
          <Tile
            id="bouncesAndErrors"
            label="Bounces + errors"
            value={formatRate(kpis.bouncesAndErrorsRate)}
            count={`${formatCount(kpis.bouncesAndErrors)} bounces and errors`}
            at={computedAt.realTime}
          />
          <Tile
            id="openRate"
            label="Open rate (all events)"
            value={formatRate(kpis.openRate)}
            count={`${formatCount(kpis.uniqueOpens)} unique opens`}
            at={computedAt.tracking}
          />
          <Tile
            id="humanOpenRate"
            label={<HumanLabel>Open rate (human)</HumanLabel>}
            value={formatRate(kpis.humanOpenRate)}
            count={`${formatCount(kpis.uniqueHumanOpens)} unique human opens`}
            at={computedAt.tracking}
          />
          <Tile
            id="clickThroughRate"
            label="Click-through rate (all events)"
            value={formatRate(kpis.clickThroughRate)}
            count={`${formatCount(kpis.uniqueClicks)} unique clicks`}
            at={computedAt.tracking}
          />
          <Tile
            id="humanClickThroughRate"
            label={<HumanLabel>Click-through rate (human)</HumanLabel>}
            value={formatRate(kpis.humanClickThroughRate)}
            count={`${formatCount(kpis.uniqueHumanClicks)} unique human clicks`}
            at={computedAt.tracking}
          />
        </ColumnLayout>
        <Box color="text-body-secondary" fontSize="body-s" data-testid="human-explanation">
          {HUMAN_EXPLANATION}
        </Box>
        {preparation ? <SendsChart timeline={timeline} loading={timelineLoading} /> : null}
      </SpaceBetween>
    </Container>
  );
};
