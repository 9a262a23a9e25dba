/**
 * Faults of the SNS → SQS path of SES events, injected as an AWS SDK middleware on the SQS client that publishes
 * them (never in a handler): SNS delivers at least once, and a standard queue does not keep order. With
 * `duplicateRate` a published event is sent again (an exact duplicate: the same envelope, the same SNS MessageId);
 * with `reorderRate` that second copy is held back a random while (up to `holdMs`), so it arrives after later
 * events of the same message (a Send after its Delivery, a Delivery after a bounce). The first copy keeps the
 * simulator's order and its acknowledgement, so a SIGKILL loses at most a copy that was held (another copy went).
 * Settings: SES_EVENT_DUPLICATE_RATE, SES_EVENT_REORDER_RATE (the local runtime; the fault bench sets both).
 */
import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface EventFaults {
  /** Fraction (0..1) of published events sent twice. */
  duplicateRate: number;
  /** Fraction (0..1) of those second copies held back before they are sent. */
  reorderRate: number;
  /** The longest a second copy is held back (default 3 s). */
  holdMs?: number;
  random?: () => number;
}

export interface EventFaultStats {
  duplicated: number;
  heldBack: number;
}

type Next = (args: { input: SendMessageBatchCommandInput }) => Promise<unknown>;

/** Adds the faults to `sqs` for the sends to `queueUrl`; what they did so far. */
export const injectEventFaults = (sqs: SQSClient, queueUrl: string, faults: EventFaults): EventFaultStats => {
  const stats: EventFaultStats = { duplicated: 0, heldBack: 0 };
  const random = faults.random ?? Math.random;
  const holdMs = faults.holdMs ?? 3_000;
  const copies = new WeakSet<object>();
  (sqs.middlewareStack.add as unknown as (mw: unknown, options: unknown) => void)(
    (next: Next, context: { commandName?: string }) =>
      async (args: { input: SendMessageBatchCommandInput }) => {
        const result = await next(args);
        const input = args.input;
        if (context.commandName !== 'SendMessageBatchCommand' || input.QueueUrl !== queueUrl) return result;
        if (copies.has(input)) return result;
        const again = (input.Entries ?? []).filter(() => random() < faults.duplicateRate);
        for (const entry of again) {
          const copy: SendMessageBatchCommandInput = { QueueUrl: queueUrl, Entries: [{ ...entry, Id: '0' }] };
          copies.add(copy);
          stats.duplicated++;
          const held = random() < faults.reorderRate;
          if (held) stats.heldBack++;
          setTimeout(
            () => void sqs.send(new SendMessageBatchCommand(copy)).catch(() => undefined),
            held ? Math.floor(random() * holdMs) : 0,
          ).unref();
        }
        return result;
      },
    { step: 'initialize', name: 'sesEventFaults' },
  );
  return stats;
};
