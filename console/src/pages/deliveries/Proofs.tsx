/**
 * Proofs of a delivery: send the prepared content (subject prefixed [Proof]) to up to 20 addresses, for Prepare
 * and Start deliveries users, and the list of proofs, newest first, with each address's status, opens and clicks
 * as SES reports them. Proofs never count in the KPIs, the logs or a profile's history.
 */
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import Textarea from '@cloudscape-design/components/textarea';
import { useState } from 'react';
import { ApiError, type Delivery, type Proof, type ProofRecipient } from '../../api/client.ts';
import { useProofs, useSendProof } from '../../api/hooks.ts';
import { useAuth } from '../../auth/session.tsx';
import { useNotifications } from '../../layout/notifications.tsx';
import { ConfirmModal } from '../../lib/ConfirmModal.tsx';
import { EmptyState, ErrorAlert, errorMessage } from '../../lib/errors.tsx';
import { formatCount, formatDateTime } from '../../lib/format.ts';

/** At most this many addresses per proof (the API's ProofInput, docs/openapi.json). */
export const MAX_PROOF_ADDRESSES = 20;

const ADDRESS = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/** The addresses typed (separated by commas, semicolons, spaces or lines), each once whatever its case. */
export const parseAddresses = (text: string): { addresses: string[]; invalid: string[] } => {
  const seen = new Set<string>();
  const addresses: string[] = [];
  const invalid: string[] = [];
  for (const word of text.split(/[\s,;]+/).filter(Boolean)) {
    if (!ADDRESS.test(word)) invalid.push(word);
    else if (!seen.has(word.toLowerCase())) {
      seen.add(word.toLowerCase());
      addresses.push(word);
    }
  }
  return { addresses, invalid };
};

const STATUS: Record<ProofRecipient['status'], StatusIndicatorProps.Type> = {
  pending: 'pending',
  sent: 'in-progress',
  delivered: 'success',
  bounced: 'error',
  complained: 'warning',
  failed: 'error',
};

/** A proof needs a preparation of the delivery's current version, without errors (what it sends). */
export const canSendProof = (d: Delivery): boolean =>
  !!d.preparation && d.preparation.version === d.version && !d.preparation.errors;

interface Row {
  proof: Proof;
  recipient: ProofRecipient;
}

export const Proofs = ({ delivery }: { delivery: Delivery }) => {
  const auth = useAuth();
  const query = useProofs(delivery.id);
  const [open, setOpen] = useState(false);
  const proofs = query.data?.pages.flatMap((p) => p.items) ?? [];
  const rows: Row[] = proofs.flatMap((proof) => proof.recipients.map((recipient) => ({ proof, recipient })));
  const ready = canSendProof(delivery);

  return (
    <>
      <Table<Row>
        items={rows}
        loading={query.isPending}
        loadingText="Loading the proofs"
        variant="container"
        wrapLines
        ariaLabels={{ tableLabel: 'Proofs' }}
        trackBy={(row) => `${row.proof.proofId}/${row.recipient.address}`}
        header={
          <Header
            variant="h2"
            counter={query.data ? `(${proofs.length}${query.hasNextPage ? '+' : ''})` : undefined}
            description={`Send the prepared content, subject prefixed [Proof], to up to ${MAX_PROOF_ADDRESSES} addresses. Proofs never count in the KPIs, the logs or a profile's history.`}
            actions={
              auth.can('delivery:proof') ? (
                <SpaceBetween direction="horizontal" size="xs">
                  {query.hasNextPage ? (
                    <Button onClick={() => void query.fetchNextPage()} loading={query.isFetchingNextPage}>
                      Load more
                    </Button>
                  ) : null}
                  <Button
                    iconName="envelope"
                    disabled={!ready}
                    disabledReason="Prepare the delivery first: a proof sends the prepared content."
                    onClick={() => setOpen(true)}
                  >
                    Send a proof
                  </Button>
                </SpaceBetween>
              ) : undefined
            }
          >
            Proofs
          </Header>
        }
        empty={
          query.isError ? (
            <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />
          ) : (
            <EmptyState title="No proof sent yet">
              {ready
                ? 'A proof shows the message as recipients will get it, before you confirm.'
                : 'Prepare the delivery, then send a proof of what it will send.'}
            </EmptyState>
          )
        }
        columnDefinitions={[
          {
            id: 'sent',
            header: 'Sent',
            cell: (r) => (
              <span>
                {formatDateTime(r.proof.sentAt)}
                <Box variant="small" display="block" color="text-body-secondary">
                  by {r.proof.sentBy.username}, version {r.proof.version}
                </Box>
              </span>
            ),
          },
          { id: 'address', header: 'Address', cell: (r) => r.recipient.address, isRowHeader: true },
          {
            id: 'status',
            header: 'Status',
            cell: (r) => (
              <span data-proof-status={r.recipient.address}>
                <StatusIndicator type={STATUS[r.recipient.status]} wrapText={false}>
                  {r.recipient.status}
                </StatusIndicator>
              </span>
            ),
          },
          {
            id: 'opens',
            header: 'Opens',
            cell: (r) => <span className="tabular">{formatCount(r.recipient.opens)}</span>,
          },
          {
            id: 'clicks',
            header: 'Clicks',
            cell: (r) => <span className="tabular">{formatCount(r.recipient.clicks)}</span>,
          },
          { id: 'reason', header: 'Detail', cell: (r) => r.recipient.reason ?? '' },
        ]}
      />
      {open ? <SendProofModal delivery={delivery} onClose={() => setOpen(false)} /> : null}
    </>
  );
};

const SendProofModal = ({ delivery, onClose }: { delivery: Delivery; onClose: () => void }) => {
  const { notify } = useNotifications();
  const send = useSendProof(delivery.id);
  // One key per dialog: a retry of the same request replays the first answer instead of sending the proof twice.
  const [key] = useState(() => crypto.randomUUID());
  const [text, setText] = useState('');
  const [touched, setTouched] = useState(false);
  const [refused, setRefused] = useState<unknown>(null);
  const { addresses, invalid } = parseAddresses(text);
  const problem =
    invalid.length > 0
      ? `Not an email address: ${invalid.join(', ')}`
      : addresses.length > MAX_PROOF_ADDRESSES
        ? `At most ${MAX_PROOF_ADDRESSES} addresses: there are ${addresses.length}.`
        : addresses.length === 0
          ? 'Give at least one address.'
          : null;
  const apiFieldError =
    refused instanceof ApiError && refused.fields.length > 0
      ? refused.fields.map((f) => f.message).join('; ')
      : null;

  const submit = async () => {
    setTouched(true);
    setRefused(null);
    if (problem) return;
    try {
      const proof = await send.mutateAsync({ addresses, key });
      notify({
        type: 'success',
        content: `Proof sent to ${proof.recipients.length} ${proof.recipients.length === 1 ? 'address' : 'addresses'}: "${proof.subject}".`,
      });
      onClose();
    } catch (e) {
      setRefused(e);
    }
  };

  return (
    <ConfirmModal
      visible
      header="Send a proof"
      confirmText="Send the proof"
      loading={send.isPending}
      onCancel={onClose}
      onConfirm={() => void submit()}
    >
      <SpaceBetween size="m">
        <Box>
          The content prepared at version {delivery.preparation?.version ?? delivery.version}, subject
          &quot;[Proof] {delivery.content.subject}&quot;, to each address once.
        </Box>
        <FormField
          label="Addresses"
          description={`Up to ${MAX_PROOF_ADDRESSES}, separated by commas, spaces or new lines.`}
          constraintText={`${addresses.length} of ${MAX_PROOF_ADDRESSES} addresses`}
          errorText={(touched && problem) || apiFieldError || undefined}
        >
          <Textarea
            value={text}
            onChange={(e) => setText(e.detail.value)}
            placeholder="anne@example.com, qa-team@example.com"
            rows={4}
          />
        </FormField>
        {refused && !apiFieldError ? (
          <Alert type="error" header="The proof was not sent">
            {errorMessage(refused)}
          </Alert>
        ) : null}
      </SpaceBetween>
    </ConfirmModal>
  );
};
