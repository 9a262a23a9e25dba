import {
  completePreparation,
  createDelivery,
  type Delivery,
  type DeliveryInput,
  startPreparation,
} from '#domain/delivery.ts';
import { preparer } from './actors.ts';

export const T0 = new Date('2026-11-22T10:00:00Z');
export const later = (minutes: number, from: Date = T0): Date => new Date(from.getTime() + minutes * 60_000);

export const deliveryInput = (overrides: Partial<DeliveryInput> = {}): DeliveryInput => ({
  label: 'Winter sale',
  content: {
    from: 'Marketing <news@example.com>',
    subject: 'Our winter sale starts now',
    html: '<p>Hello {{firstName}}</p>',
    text: 'Hello {{firstName}}',
  },
  audienceId: 'aud-1',
  ...overrides,
});

export const newDelivery = (overrides: Partial<DeliveryInput> = {}, id = 'del-1'): Delivery =>
  createDelivery(deliveryInput(overrides), preparer, id, T0);

/** A delivery prepared at its current version with `toDeliver` recipients. */
export const readyDelivery = (overrides: Partial<DeliveryInput> = {}, toDeliver = 3): Delivery => {
  const preparing = startPreparation(newDelivery(overrides), preparer, later(1)).next;
  return completePreparation(
    preparing,
    { targeted: toDeliver + 1, toDeliver, exclusions: { 'opted-out': 1 }, errors: [] },
    later(2),
  ).next;
};
