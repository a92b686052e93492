import type { JobEngine } from '../../../../shared/contract/jobs';

const ENGINES: Array<[JobEngine, string]> = [
  ['fast', 'Fast'],
  ['tar', 'tar'],
];

/** The engine radios of the backup and restore dialogs: what each engine does, in the dialog's words. */
export function EngineChoice(props: { name: string; engine: JobEngine; onChange: (engine: JobEngine) => void; fast: string; tar: string; className?: string }) {
  return (
    <fieldset className={props.className ?? 'jobs-fieldset'}>
      <legend className="field-label">Engine</legend>
      {ENGINES.map(([engine, label]) => (
        <label key={engine} className="checkbox">
          <input type="radio" name={props.name} checked={props.engine === engine} onChange={() => props.onChange(engine)} />
          <span>
            <strong>{label}</strong> <span className="muted">— {props[engine]}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}
