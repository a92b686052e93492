import type { InputHTMLAttributes, ReactNode } from 'react';

/** A labelled form field: the label above its control (`id` names the control), then any hint or message. */
export function Field(props: { id: string; label: ReactNode; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      {props.children}
    </div>
  );
}

/** A path or address typed in full: monospace, and neither spell-checked nor filled in by the browser. */
export function PathInput({ className, ...input }: InputHTMLAttributes<HTMLInputElement>) {
  return <input className={className ? `input mono ${className}` : 'input mono'} spellCheck={false} autoComplete="off" {...input} />;
}

/**
 * The folder a backup goes to: typed, or chosen with the system's folder dialog where the app has one
 * (`onChoose` is left out where it does not). The other props go to the input; `children` go below.
 */
export function FolderField(props: { id: string; onChoose?: (() => void) | undefined } & InputHTMLAttributes<HTMLInputElement>) {
  const { id, onChoose, children, ...input } = props;
  return (
    <Field id={id} label="Folder">
      <div className="toolbar">
        <PathInput id={id} className="input-grow" {...input} />
        {onChoose ? (
          <button type="button" className="btn" onClick={onChoose}>
            Choose…
          </button>
        ) : null}
      </div>
      {children}
    </Field>
  );
}
