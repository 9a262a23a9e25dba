/** Flash messages at the top of every screen (what an action did, or why it was refused). */
import type { FlashbarProps } from '@cloudscape-design/components/flashbar';
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';

interface Notify {
  items: FlashbarProps.MessageDefinition[];
  notify(message: { type: FlashbarProps.Type; header?: ReactNode; content?: ReactNode; id?: string }): void;
  clear(): void;
}

const NotificationsContext = createContext<Notify | null>(null);

let counter = 0;

export const NotificationsProvider = ({ children }: { children: ReactNode }) => {
  const [items, setItems] = useState<FlashbarProps.MessageDefinition[]>([]);
  const dismiss = useCallback((id: string) => setItems((current) => current.filter((i) => i.id !== id)), []);
  const notify = useCallback<Notify['notify']>(
    (message) => {
      const id = message.id ?? `flash-${++counter}`;
      setItems((current) => [
        ...current.filter((i) => i.id !== id),
        {
          ...message,
          id,
          dismissible: true,
          dismissLabel: 'Dismiss message',
          onDismiss: () => dismiss(id),
        },
      ]);
    },
    [dismiss],
  );
  const value = useMemo(() => ({ items, notify, clear: () => setItems([]) }), [items, notify]);
  return <NotificationsContext.Provider value={value}>{children}</NotificationsContext.Provider>;
};

export const useNotifications = (): Notify => {
  const value = useContext(NotificationsContext);
  if (!value) throw new Error('useNotifications outside NotificationsProvider');
  return value;
};
