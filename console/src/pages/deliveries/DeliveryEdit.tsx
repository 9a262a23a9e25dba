/**
 * Create or edit a delivery: label, content (from, subject, HTML, text, with a preview), audience, schedule (sent
 * once confirmed, at a contact date in a time zone, or recurring with "Request confirmation before sending
 * messages"). The API's field errors (`details.fields`) are shown on their fields.
 */
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import DatePicker from '@cloudscape-design/components/date-picker';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Tabs from '@cloudscape-design/components/tabs';
import Textarea from '@cloudscape-design/components/textarea';
import TimeInput from '@cloudscape-design/components/time-input';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { EDITABLE_STATES } from '#domain/delivery.ts';
import { ApiError, type Delivery, type DeliveryInput } from '../../api/client.ts';
import { useAudiences, useDelivery, useSaveDelivery } from '../../api/hooks.ts';
import { useAuth } from '../../auth/session.tsx';
import { useBreadcrumbs } from '../../layout/Shell.tsx';
import { useNotifications } from '../../layout/notifications.tsx';
import { ErrorAlert, errorMessage } from '../../lib/errors.tsx';
import { browserTimeZone, offsetOf, timeZoneOption, timeZoneOptions } from '../../lib/time-zones.ts';

type Mode = 'now' | 'scheduled' | 'recurring';

interface FormState {
  label: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  audienceId: string;
  mode: Mode;
  date: string;
  time: string;
  timeZone: string;
  expression: string;
  recurrenceTimeZone: string;
  requestConfirmation: boolean;
}

const initial = (d?: Delivery): FormState => {
  const zone = browserTimeZone();
  return {
    label: d?.label ?? '',
    from: d?.content.from ?? '',
    subject: d?.content.subject ?? '',
    html: d?.content.html ?? '',
    text: d?.content.text ?? '',
    audienceId: d?.audienceId ?? '',
    mode: d?.recurrence ? 'recurring' : d?.schedule ? 'scheduled' : 'now',
    date: d?.schedule?.contactDate.slice(0, 10) ?? '',
    time: d?.schedule?.contactDate.slice(11, 16) ?? '09:00',
    timeZone: d?.schedule?.timeZone ?? zone,
    expression: d?.recurrence?.expression ?? 'rate(1 day)',
    recurrenceTimeZone: d?.recurrence?.timeZone ?? zone,
    requestConfirmation: d?.recurrence?.requestConfirmation ?? true,
  };
};

const toInput = (f: FormState): DeliveryInput => ({
  label: f.label,
  content: { from: f.from, subject: f.subject, html: f.html, text: f.text },
  audienceId: f.audienceId,
  schedule:
    f.mode === 'scheduled'
      ? { contactDate: `${f.date}T${f.time || '00:00'}:00`, timeZone: f.timeZone }
      : null,
  recurrence:
    f.mode === 'recurring'
      ? {
          expression: f.expression,
          timeZone: f.recurrenceTimeZone,
          requestConfirmation: f.requestConfirmation,
        }
      : null,
});

export default function DeliveryEdit() {
  const { id } = useParams();
  const existing = useDelivery(id ?? '');
  if (id && existing.isPending) return <Spinner size="large" />;
  if (id && existing.isError)
    return <ErrorAlert error={existing.error} onRetry={() => void existing.refetch()} />;
  return <DeliveryForm key={id ?? 'new'} delivery={id ? existing.data : undefined} />;
}

const DeliveryForm = ({ delivery }: { delivery: Delivery | undefined }) => {
  const navigate = useNavigate();
  const auth = useAuth();
  const { notify } = useNotifications();
  const audiences = useAudiences();
  const save = useSaveDelivery(delivery?.id);
  const [form, setForm] = useState<FormState>(() => initial(delivery));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  useBreadcrumbs([
    { text: 'Deliveries', href: '/console/deliveries' },
    ...(delivery ? [{ text: delivery.label, href: `/console/deliveries/${delivery.id}` }] : []),
    { text: delivery ? 'Edit' : 'Create delivery', href: '#' },
  ]);

  const set = <K extends keyof FormState>(key: K, value: FormState[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const error = (...fields: string[]) => fields.map((f) => errors[f]).find(Boolean);
  const editable = !delivery || (EDITABLE_STATES as readonly string[]).includes(delivery.state);
  const allowed = auth.can(delivery ? 'delivery:edit' : 'delivery:create');

  const submit = async () => {
    setErrors({});
    setFailure(null);
    const missing: Record<string, string> = {};
    if (!form.label.trim()) missing.label = 'Give the delivery a label.';
    if (!form.audienceId) missing.audienceId = 'Choose the audience to send to.';
    if (form.mode === 'scheduled' && !form.date) missing['schedule.contactDate'] = 'Choose the contact date.';
    if (Object.keys(missing).length > 0) {
      setErrors(missing);
      return;
    }
    try {
      const saved = await save.mutateAsync(toInput(form));
      notify({
        type: 'success',
        content: delivery ? `Saved "${saved.label}".` : `Created "${saved.label}".`,
      });
      navigate(`/console/deliveries/${saved.id}`);
    } catch (e) {
      if (e instanceof ApiError && e.fields.length > 0) {
        setErrors(Object.fromEntries(e.fields.map((f) => [f.field, f.message])));
        setFailure(e.message);
      } else setFailure(errorMessage(e));
    }
  };

  const audienceOptions = (audiences.data?.items ?? []).map((a) => ({
    value: a.id,
    label: a.name,
    description: `${a.memberCount} members`,
  }));
  const selectedAudience =
    audienceOptions.find((o) => o.value === form.audienceId) ??
    (form.audienceId ? { value: form.audienceId, label: form.audienceId } : null);

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={
            delivery ? `Version ${delivery.version}` : 'A message, its audience and when to send it.'
          }
        >
          {delivery ? `Edit ${delivery.label}` : 'Create delivery'}
        </Header>
      }
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <Form
          errorText={failure}
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button
                formAction="none"
                variant="link"
                onClick={() =>
                  navigate(delivery ? `/console/deliveries/${delivery.id}` : '/console/deliveries')
                }
              >
                Cancel
              </Button>
              <Button
                variant="primary"
                formAction="submit"
                loading={save.isPending}
                disabled={!editable || !allowed}
              >
                {delivery ? 'Save' : 'Create'}
              </Button>
            </SpaceBetween>
          }
        >
          <SpaceBetween size="l">
            {!allowed ? (
              <Alert type="info">
                Your permissions do not allow you to {delivery ? 'edit' : 'create'} a delivery.
              </Alert>
            ) : null}
            {delivery && !editable ? (
              <Alert type="warning">A delivery that is {delivery.state} cannot be edited.</Alert>
            ) : null}
            {delivery && (delivery.state === 'ready' || delivery.state === 'scheduled') ? (
              <Alert type="info">
                Saving sends this prepared delivery back to editing: prepare it again before confirming.
              </Alert>
            ) : null}
            <Container header={<Header variant="h2">Properties</Header>}>
              <FormField label="Label" errorText={error('label')}>
                <Input value={form.label} onChange={(e) => set('label', e.detail.value)} />
              </FormField>
            </Container>
            <Container header={<Header variant="h2">Content</Header>}>
              <ColumnLayout columns={2}>
                <SpaceBetween size="m">
                  <FormField
                    label="From"
                    constraintText='An address, or "Name <address>"'
                    errorText={error('content.from')}
                  >
                    <Input value={form.from} onChange={(e) => set('from', e.detail.value)} type="text" />
                  </FormField>
                  <FormField label="Subject" errorText={error('content.subject')}>
                    <Input value={form.subject} onChange={(e) => set('subject', e.detail.value)} />
                  </FormField>
                  <FormField label="HTML" errorText={error('content.html')}>
                    <Textarea value={form.html} rows={8} onChange={(e) => set('html', e.detail.value)} />
                  </FormField>
                  <FormField label="Text" errorText={error('content.text')}>
                    <Textarea value={form.text} rows={5} onChange={(e) => set('text', e.detail.value)} />
                  </FormField>
                </SpaceBetween>
                <Tabs
                  ariaLabel="Preview"
                  tabs={[
                    {
                      id: 'html',
                      label: 'HTML preview',
                      content: (
                        <iframe
                          className="preview-frame"
                          title="HTML preview"
                          sandbox=""
                          srcDoc={form.html}
                        />
                      ),
                    },
                    {
                      id: 'text',
                      label: 'Text preview',
                      content: (
                        <Box variant="code">
                          <pre style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{form.text || ' '}</pre>
                        </Box>
                      ),
                    },
                  ]}
                />
              </ColumnLayout>
            </Container>
            <Container header={<Header variant="h2">Audience</Header>}>
              <FormField label="Audience" errorText={error('audienceId')}>
                <Select
                  selectedOption={selectedAudience}
                  onChange={(e) => set('audienceId', e.detail.selectedOption.value ?? '')}
                  options={audienceOptions}
                  filteringType="auto"
                  placeholder="Choose an audience"
                  statusType={audiences.isPending ? 'loading' : audiences.isError ? 'error' : 'finished'}
                  loadingText="Loading audiences"
                  errorText="Could not load the audiences"
                  empty="No audience yet: import contacts first"
                />
              </FormField>
            </Container>
            <Container header={<Header variant="h2">Schedule</Header>}>
              <SpaceBetween size="m">
                <FormField label="When" errorText={error('schedule', 'recurrence')}>
                  <RadioGroup
                    value={form.mode}
                    onChange={(e) => set('mode', e.detail.value as Mode)}
                    items={[
                      { value: 'now', label: 'Messages to be sent once confirmed' },
                      {
                        value: 'scheduled',
                        label: 'Messages to be sent automatically on the date specified below',
                      },
                      {
                        value: 'recurring',
                        label: 'Recurring delivery: one execution per occurrence of a schedule',
                      },
                    ]}
                  />
                </FormField>
                {form.mode === 'scheduled' ? (
                  <ColumnLayout columns={3}>
                    <FormField label="Contact date" errorText={error('schedule.contactDate')}>
                      <DatePicker
                        value={form.date}
                        onChange={(e) => set('date', e.detail.value)}
                        placeholder="YYYY/MM/DD"
                        openCalendarAriaLabel={(d) => `Choose the contact date${d ? `, ${d}` : ''}`}
                      />
                    </FormField>
                    <FormField label="Time" constraintText="24-hour, in the time zone beside">
                      <TimeInput
                        value={form.time}
                        onChange={(e) => set('time', e.detail.value)}
                        format="hh:mm"
                        placeholder="hh:mm"
                      />
                    </FormField>
                    <FormField
                      label="Time zone"
                      constraintText={`Now ${offsetOf(form.timeZone)}`}
                      errorText={error('schedule.timeZone')}
                    >
                      <Select
                        selectedOption={timeZoneOption(form.timeZone)}
                        onChange={(e) => set('timeZone', e.detail.selectedOption.value ?? 'UTC')}
                        options={timeZoneOptions()}
                        filteringType="auto"
                        virtualScroll
                      />
                    </FormField>
                  </ColumnLayout>
                ) : null}
                {form.mode === 'recurring' ? (
                  <SpaceBetween size="m">
                    <ColumnLayout columns={2}>
                      <FormField
                        label="Schedule expression"
                        constraintText="EventBridge Scheduler: rate(1 day), cron(0 9 ? * MON *)…"
                        errorText={error('recurrence.expression')}
                      >
                        <Input value={form.expression} onChange={(e) => set('expression', e.detail.value)} />
                      </FormField>
                      <FormField
                        label="Time zone"
                        constraintText={`Now ${offsetOf(form.recurrenceTimeZone)}`}
                        errorText={error('recurrence.timeZone')}
                      >
                        <Select
                          selectedOption={timeZoneOption(form.recurrenceTimeZone)}
                          onChange={(e) => set('recurrenceTimeZone', e.detail.selectedOption.value ?? 'UTC')}
                          options={timeZoneOptions()}
                          filteringType="auto"
                          virtualScroll
                        />
                      </FormField>
                    </ColumnLayout>
                    <Checkbox
                      checked={form.requestConfirmation}
                      onChange={(e) => set('requestConfirmation', e.detail.checked)}
                      description="Each execution is prepared, then waits for a Start deliveries user to confirm it."
                    >
                      Request confirmation before sending messages
                    </Checkbox>
                  </SpaceBetween>
                ) : null}
              </SpaceBetween>
            </Container>
          </SpaceBetween>
        </Form>
      </form>
    </ContentLayout>
  );
};
