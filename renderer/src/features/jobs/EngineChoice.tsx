import type { JobEngine } from '../../../../shared/contract/jobs';

/** The engine radios of the backup and restore dialogs: what each engine does, in the dialog's words. */
export function EngineChoice(props: { name: string; engine: JobEngine; onChange: (engine: JobEngine) => void; fast: string; tar: string; className?: string }) {
  return (
    <fieldset className={props.className ?? 'jobs-fieldset'}>
      <legend className="field-label">Engine</legend>
      <label className="checkbox">
        <input type="radio" name={props.name} checked={props.engine === 'fast'} onChange={() => props.onChange('fast')} />
        <span>
          <strong>Fast</strong> <span className="muted">— {props.fast}</span>
        </span>
      </label>
      <label className="checkbox">
        <input type="radio" name={props.name} checked={props.engine === 'tar'} onChange={() => props.onChange('tar')} />
        <span>
          <strong>tar</strong> <span className="muted">— {props.tar}</span>
        </span>
      </label>
    </fieldset>
  );
}
