/** A question before an action that cannot be taken back: Cancel, or the action's button. */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { ReactNode } from 'react';

export const ConfirmModal = ({
  visible,
  header,
  children,
  confirmText,
  loading,
  confirmDisabled,
  onConfirm,
  onCancel,
}: {
  visible: boolean;
  header: string;
  children: ReactNode;
  confirmText: string;
  loading?: boolean;
  /** The action cannot be taken (the dialog says why). */
  confirmDisabled?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) => (
  <Modal
    visible={visible}
    onDismiss={onCancel}
    header={header}
    closeAriaLabel="Close"
    footer={
      <Box float="right">
        <SpaceBetween direction="horizontal" size="xs">
          <Button variant="link" onClick={onCancel}>
            Cancel
          </Button>
          <Button variant="primary" onClick={onConfirm} loading={loading} disabled={confirmDisabled}>
            {confirmText}
          </Button>
        </SpaceBetween>
      </Box>
    }
  >
    {children}
  </Modal>
);
