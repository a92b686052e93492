import { useState, type ChangeEvent } from 'react';
import { SCS_FILE } from '../../../../shared/ailab';
import type { PlanRun } from '../../../../shared/contract/plans';
import { Dialog } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Field, FolderField, PathInput } from '../../components/Field';
import { planOf, type PlanDraft, type PlanField } from './planForm';
import { usePlans } from './plansStore';
import { describeProtection, retentionSentence, scheduleSentence, WEEKDAY_NAMES } from './protection';
import { usePlanForm, type HostKeyPrompt, type PlanForm } from './usePlanForm';

function FieldMessage(props: { id: string; form: PlanForm; field: PlanField; hint?: string }) {
  const problem = props.form.shown[props.field];
  return (
    <div id={props.id} aria-live="polite">
      {problem ? <div className="field-error">{problem}</div> : props.hint ? <div className="field-hint">{props.hint}</div> : null}
    </div>
  );
}

/** The fields typed as free text (not a choice from a list). */
type TextField = { [K in PlanField]: string extends PlanDraft[K] ? K : never }[PlanField];

const RETENTION: Array<{ field: 'keepLast' | 'keepDaily' | 'keepWeekly' | 'keepMonthly'; label: string }> = [
  { field: 'keepLast', label: 'Keep last' },
  { field: 'keepDaily', label: 'Daily' },
  { field: 'keepWeekly', label: 'Weekly' },
  { field: 'keepMonthly', label: 'Monthly' },
];

const SFTP_FIELDS: Array<{ field: 'sftpTarget' | 'sftpKey'; label: string; placeholder: string; hint: string }> = [
  {
    field: 'sftpTarget',
    label: 'Server and folder',
    placeholder: 'backup@nas.local:22/srv/ailab-backups',
    hint: 'user@host:port/folder; the folder must exist on the server. Saving logs in and checks it.',
  },
  {
    field: 'sftpKey',
    label: 'Key file (optional)',
    placeholder: '/home/me/.ssh/id_ed25519',
    hint: 'A private key without passphrase (OpenSSH or PEM). Empty: the keys of your SSH agent (SSH_AUTH_SOCK) are used.',
  },
];

/** "Protect…" / "Edit plan…": a volume's backup plan, saved in main's plans.json; "Back up now" runs it at once. */
export function PlanDialog(props: { volume: string }) {
  const form = usePlanForm(props.volume);
  const { draft, busy, existing } = form;
  const [confirmRemove, setConfirmRemove] = useState(false);
  const now = usePlans((s) => s.now);
  const close = () => usePlans.getState().openPlan(null);
  const preview = planOf(props.volume, draft);
  const running = busy === 'running' || existing?.running === true;
  // A text input's value, its messages, and the first blur that lets them show.
  const bind = (field: TextField) => ({
    value: draft[field],
    onChange: (e: ChangeEvent<HTMLInputElement>) => form.set(field, e.target.value),
    'aria-invalid': form.shown[field] !== undefined,
    'aria-describedby': field.startsWith('keep') ? 'plan-keep-msg' : `plan-${field}-msg`,
    onBlur: () => form.touch(field),
  });

  return (
    <Dialog
      title={existing ? `Backup plan of ${props.volume}` : `Protect ${props.volume}`}
      onClose={close}
      busy={busy === 'saving' || busy === 'removing'}
      className="plan-dialog"
    >
      {existing ? (
        <p className="plan-status-line plan-intro">
          <ProtectionText volume={props.volume} />
          {describeProtection(existing, now).state !== 'ok' ? <span className="small vol-break">{describeProtection(existing, now).detail}</span> : null}
        </p>
      ) : (
        <p className="muted plan-intro">Backs this volume up by itself on a schedule, verifies each backup, and deletes old ones as you say here.</p>
      )}
      {busy === 'running' ? (
        <div className="notice notice-info plan-result" role="status">
          <span className="spinner" aria-hidden="true" /> Backing up {props.volume} now… the progress is in Jobs.
        </div>
      ) : form.lastRun ? (
        <div
          className={`notice plan-result ${form.lastRun.status === 'succeeded' ? 'notice-info' : 'notice-danger'}`}
          role="status"
          aria-label="Result of Back up now"
        >
          <div>
            <div className="notice-title">
              {form.lastRun.status === 'succeeded' ? 'Backed up.' : form.lastRun.status === 'skipped' ? 'Skipped.' : 'The backup failed.'}
            </div>
            <div className="vol-break">{form.lastRun.message}</div>
            <CopyOutcome run={form.lastRun} />
          </div>
        </div>
      ) : null}

      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void form.save().then((ok) => ok && close());
        }}
      >
        <FolderField id="plan-dir" onChoose={form.backupFacts?.canChooseFolder ? () => void form.chooseFolder() : undefined} data-autofocus {...bind('dir')}>
          <FieldMessage
            id="plan-dir-msg"
            form={form}
            field="dir"
            hint="An existing folder; the plan never creates one, so a typo cannot fill the wrong disk."
          />
        </FolderField>

        <fieldset className="plan-fieldset">
          <legend className="field-label">Schedule</legend>
          <div className="plan-row">
            <select className="input" aria-label="Repeat" value={draft.every} onChange={(e) => form.set('every', e.target.value as typeof draft.every)}>
              <option value="hours">Every N hours</option>
              <option value="day">Daily</option>
              <option value="week">Weekly</option>
            </select>
            {draft.every === 'hours' ? (
              <label className="plan-inline">
                every
                <input className="input plan-num" inputMode="numeric" aria-label="Hours between backups" {...bind('hours')} />
                hours
              </label>
            ) : null}
            {draft.every === 'week' ? (
              <select className="input" aria-label="Day of the week" value={draft.day} onChange={(e) => form.set('day', e.target.value)}>
                {WEEKDAY_NAMES.map((name, i) => (
                  <option key={name} value={String(i)}>
                    {name}
                  </option>
                ))}
              </select>
            ) : null}
            {draft.every !== 'hours' ? (
              <label className="plan-inline">
                at
                <input className="input plan-time" type="time" aria-label="Time of day" {...bind('at')} />
              </label>
            ) : null}
          </div>
          <FieldMessage id="plan-hours-msg" form={form} field="hours" />
          <FieldMessage
            id="plan-at-msg"
            form={form}
            field="at"
            hint={
              preview
                ? `Backs up ${scheduleSentence(preview.schedule)}${preview.schedule.every === 'hours' ? ', counted from the last run,' : " (this computer's time)"} while the app or “ailab plans run” runs; a missed time runs once when it next starts.`
                : undefined
            }
          />
        </fieldset>

        <fieldset className="plan-fieldset">
          <legend className="field-label">Keep</legend>
          <div className="plan-retention">
            {RETENTION.map(({ field, label }) => (
              <label key={field} className="plan-keep">
                <span className="small muted">{label}</span>
                <input className="input plan-num" inputMode="numeric" aria-label={`${label} backups to keep`} {...bind(field)} />
              </label>
            ))}
          </div>
          <div id="plan-keep-msg" aria-live="polite">
            {RETENTION.some(({ field }) => form.shown[field]) ? <div className="field-error">Each count is a whole number, 0 for none.</div> : null}
          </div>
          <p className="field-hint vol-m0" aria-live="polite" data-testid="retention-sentence">
            {preview ? retentionSentence(preview.retention) : ''}
          </p>
        </fieldset>

        <div className="field">
          <label htmlFor="plan-engine">Engine</label>
          <select id="plan-engine" className="input" value={draft.engine} onChange={(e) => form.set('engine', e.target.value as typeof draft.engine)}>
            <option value="">As in Settings{form.backupFacts ? ` (${form.backupFacts.engine})` : ''}</option>
            <option value="fast">Fast (gzip on all cores)</option>
            <option value="tar">The guide's tar command</option>
          </select>
        </div>

        <label className="checkbox plan-stop">
          <input
            type="checkbox"
            checked={draft.stopContainers}
            onChange={(e) => form.set('stopContainers', e.target.checked)}
            aria-describedby="plan-stop-help"
          />
          Stop the containers using the volume during the backup
        </label>
        <p id="plan-stop-help" className="field-hint plan-indent">
          Off: AI-Lab keeps running, and a notebook or <code>{SCS_FILE}</code> (your saved connections, encrypted with your master password) being written at
          that moment may be caught half-written. On: every backup is consistent, but Jupyter is away for the minutes a backup takes and comes back on its own
          {form.backupFacts && form.backupFacts.containers.length > 0 ? ` (used by ${form.backupFacts.containers.map((c) => c.name).join(', ')})` : ''}.
          {form.backupFacts?.stopFirst ? <strong> Recommended for this volume, AI-Lab&apos;s Exasol database: {form.backupFacts.stopFirst.why}</strong> : null}
        </p>

        <label className="checkbox plan-stop">
          <input type="checkbox" checked={draft.sftpOn} onChange={(e) => form.set('sftpOn', e.target.checked)} aria-describedby="plan-sftp-help" />
          Also copy each backup to an SFTP server
        </label>
        <p id="plan-sftp-help" className="field-hint plan-indent">
          After each good backup, the archive and its manifest are uploaded to a folder on the server, and the same retention applies there. A failed copy makes
          the run fail; the local backup stays.
        </p>
        {draft.sftpOn ? (
          <fieldset className="plan-fieldset plan-indent" aria-label="SFTP server">
            {SFTP_FIELDS.map(({ field, label, placeholder, hint }) => (
              <Field key={field} id={`plan-${field}`} label={label}>
                <PathInput id={`plan-${field}`} placeholder={placeholder} {...bind(field)} />
                <FieldMessage id={`plan-${field}-msg`} form={form} field={field} hint={hint} />
              </Field>
            ))}
          </fieldset>
        ) : null}

        {form.failure ? <ErrorNotice error={form.failure} /> : null}
        <div className="dialog-actions plan-actions">
          {existing ? (
            confirmRemove ? (
              <span className="plan-confirm" role="group" aria-label="Confirm removing the plan">
                <span className="small">Remove the plan? Its backups stay.</span>
                <button type="button" className="btn btn-danger" disabled={busy !== null} onClick={() => void form.remove().then((ok) => ok && close())}>
                  Remove plan
                </button>
                <button type="button" className="btn btn-ghost" onClick={() => setConfirmRemove(false)}>
                  Keep it
                </button>
              </span>
            ) : (
              <button type="button" className="btn btn-ghost" disabled={busy !== null} onClick={() => setConfirmRemove(true)}>
                Remove plan…
              </button>
            )
          ) : null}
          <span className="spacer" />
          <button type="button" className="btn" onClick={close} disabled={busy === 'saving' || busy === 'removing'}>
            {existing && !form.dirty ? 'Close' : 'Cancel'}
          </button>
          <button
            type="button"
            className="btn"
            disabled={busy !== null || running}
            onClick={() => void form.backUpNow()}
            title={form.dirty ? 'Saves the plan, then backs up now' : undefined}
          >
            {running ? 'Backing up…' : form.dirty ? 'Save and back up now' : 'Back up now'}
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy !== null || !form.dirty}>
            {busy === 'saving' ? 'Saving…' : existing ? 'Save plan' : 'Protect'}
          </button>
        </div>
      </form>
      {form.hostPrompt ? (
        <HostKeyDialog
          prompt={form.hostPrompt}
          busy={busy === 'saving'}
          onCancel={form.dismissHost}
          onTrust={() => {
            const thenRun = form.hostPrompt?.thenRun ?? false;
            void form.trustHost().then((ok) => ok && !thenRun && close());
          }}
        />
      ) : null}
    </Dialog>
  );
}

/** A run's copy to the SFTP server, in words: "Copied to sftp://…" or why it failed. */
export function CopyOutcome(props: { run: PlanRun }) {
  const copy = props.run.copy;
  if (!copy || copy.message === props.run.message) return null;
  return (
    <div className={`vol-break ${copy.status === 'succeeded' ? '' : 'prot-fg-danger'}`} data-testid="copy-outcome">
      {copy.message}
    </div>
  );
}

/**
 * First contact with an SFTP server: its host key is not in known_hosts (ask: compare the fingerprint
 * with the server's own, then trust) or differs from the one there (refuse: only fixing known_hosts helps).
 */
function HostKeyDialog(props: { prompt: HostKeyPrompt; busy: boolean; onCancel: () => void; onTrust: () => void }) {
  const { check } = props.prompt;
  const changed = check.status === 'changed';
  const keyFileName = check.keyType.replace(/^ssh-/, '').replace(/^ecdsa-sha2-nistp\d+$/, 'ecdsa');
  return (
    <Dialog
      title={changed ? `The host key of ${check.host} has changed` : `Trust ${check.host}?`}
      onClose={props.onCancel}
      busy={props.busy}
      className="plan-host-dialog"
      describedBy="plan-host-text"
    >
      {changed ? (
        <div className="notice notice-danger" role="alert">
          <div>
            <div className="notice-title">Not saved: this server is not the one known_hosts remembers.</div>
            <div id="plan-host-text" className="vol-break">
              {check.message}
            </div>
          </div>
        </div>
      ) : (
        <p id="plan-host-text" className="plan-host-text">
          AI-Lab Desktop has not connected to this server before. Compare its key with the one the server itself has, e.g. on the server:{' '}
          <code>ssh-keygen -lf /etc/ssh/ssh_host_{keyFileName}_key.pub</code>. Trust it only if they are the same.
        </p>
      )}
      <dl className="plan-host-facts">
        <dt>Host</dt>
        <dd className="mono">{check.host}</dd>
        <dt>Key type</dt>
        <dd className="mono">{check.keyType}</dd>
        <dt>Fingerprint</dt>
        <dd className="mono vol-break" data-testid="host-fingerprint">
          {check.fingerprint}
        </dd>
      </dl>
      <div className="dialog-actions">
        <span className="spacer" />
        {changed ? (
          <button type="button" className="btn btn-primary" data-autofocus onClick={props.onCancel}>
            Close
          </button>
        ) : (
          <>
            <button type="button" className="btn" data-autofocus onClick={props.onCancel} disabled={props.busy}>
              Cancel
            </button>
            <button type="button" className="btn btn-primary" onClick={props.onTrust} disabled={props.busy}>
              Trust and save
            </button>
          </>
        )}
      </div>
    </Dialog>
  );
}

function ProtectionText(props: { volume: string }) {
  const status = usePlans((s) => s.byVolume[props.volume]);
  const now = usePlans((s) => s.now);
  const p = describeProtection(status, now);
  return <span className={`badge prot-${p.tone}`}>{p.label}</span>;
}
