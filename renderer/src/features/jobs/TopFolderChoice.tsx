import type { TopFolderAdvice } from '../../../../shared/contract/jobs';

/**
 * The archive's one top folder, as main judged it (topFolderAdvice.ts): a volume backup is restored as
 * it was and says so; a copied folder gets the strip offered, unticked, with the paths it would give.
 */
export function TopFolderChoice(props: { advice: TopFolderAdvice | null; strip: boolean; onStrip: (strip: boolean) => void }) {
  const a = props.advice;
  if (!a) return null;
  if (!a.offered) return <p className="muted small jobs-gap">{a.why}</p>;
  return (
    <div className="jobs-gap">
      <label className="checkbox">
        <input type="checkbox" checked={props.strip} onChange={(e) => props.onStrip(e.target.checked)} aria-describedby="jobs-top-folder-why" />
        <span>
          Strip the top folder <code>{a.folder}</code> and restore its contents at the top of the volume
        </span>
      </label>
      <div id="jobs-top-folder-why" className="muted small jobs-indent">
        {a.why}
        {a.examples.length > 0 ? (
          <ul className="jobs-examples" aria-label="What stripping would write">
            {a.examples.map((e) => (
              <li key={e.path} className="mono">
                {e.path} → {props.strip ? <strong>{e.stripped}</strong> : e.stripped}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </div>
  );
}
