/**
 * The event simulator's state: each event SQS accepted is appended to an NDJSON file (message id and event) after
 * the publish, so a restart publishes only what is missing. The events of recent messages are also kept in memory,
 * with the envelopes as sent; older ones are read back from the file, without envelopes.
 */
import type { SnsEnvelope } from './envelope.ts';
import type { Engagement, SimulatedEvent } from './mailbox.ts';
import { openAppendLog, readNdjson } from './ndjson.ts';

export const STATE_FILE = 'ses-events.ndjson';

/** One line of the state file: an event SQS accepted. */
export interface PublishedLine {
  messageId: string;
  event: SimulatedEvent;
  at: string;
  snsMessageId: string;
  /** `tracking`: an open or click someone asked for (not part of the message's plan). */
  source?: 'tracking';
  /** On a message's first line: the random engagement drawn for it, so a restart keeps it. */
  engagement?: Engagement;
}

export interface PublishedEvent {
  event: SimulatedEvent;
  at: string;
  snsMessageId: string;
  source?: 'tracking';
  /** The SQS message body as sent (kept for recent messages only). */
  envelope?: SnsEnvelope;
}

/** Reads the state file; a line cut short by a crash is skipped. */
export const readState = (statePath: string): PublishedLine[] => readNdjson<PublishedLine>(statePath);

/** What a previous run published of each message's plan: the events done, and the engagement drawn then. */
export interface PlanProgress {
  done: Set<SimulatedEvent>;
  engagement?: Engagement;
}

/** A bounded map that forgets its oldest keys. */
export class Recent<V> {
  readonly #map = new Map<string, V>();
  readonly #max: number;
  constructor(max: number) {
    this.#max = max;
  }
  get(key: string): V | undefined {
    return this.#map.get(key);
  }
  set(key: string, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    while (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as string);
  }
}

export interface SimulatorState {
  /** Appends the line of an event SQS accepted and remembers it with its envelope. */
  record(line: PublishedLine, envelope: SnsEnvelope): PublishedEvent;
  /** The events published for a message, oldest first (envelopes for recent messages). */
  published(messageId: string): PublishedEvent[];
  /** The planned events published so far, by message (tracked opens and clicks left out). */
  progress(): Map<string, PlanProgress>;
  close(): void;
}

export const openSimulatorState = (
  statePath: string,
  options: { retainMessages: number; fsync?: boolean },
): SimulatorState => {
  const log = openAppendLog(statePath, options.fsync ? { fsync: true } : {});
  const history = new Recent<PublishedEvent[]>(options.retainMessages);
  return {
    record(line, envelope) {
      log.append([line]);
      const published: PublishedEvent = {
        event: line.event,
        at: line.at,
        snsMessageId: line.snsMessageId,
        ...(line.source ? { source: line.source } : {}),
        envelope,
      };
      const list = history.get(line.messageId) ?? [];
      list.push(published);
      history.set(line.messageId, list);
      return published;
    },
    published(messageId) {
      const recent = history.get(messageId) ?? [];
      // A Send is always published first: with it in memory, the memory has every event of the message.
      if (recent.some((p) => p.event === 'send')) return [...recent];
      const kept = new Map(recent.map((p) => [p.snsMessageId, p]));
      return readState(statePath)
        .filter((line) => line.messageId === messageId)
        .map(
          (line): PublishedEvent =>
            kept.get(line.snsMessageId) ?? {
              event: line.event,
              at: line.at,
              snsMessageId: line.snsMessageId,
              ...(line.source ? { source: line.source } : {}),
            },
        );
    },
    progress() {
      const byMessage = new Map<string, PlanProgress>();
      for (const line of readState(statePath)) {
        if (line.source === 'tracking') continue;
        const known = byMessage.get(line.messageId) ?? { done: new Set<SimulatedEvent>() };
        known.done.add(line.event);
        if (line.engagement) known.engagement = line.engagement;
        byMessage.set(line.messageId, known);
      }
      return byMessage;
    },
    close: () => log.close(),
  };
};
