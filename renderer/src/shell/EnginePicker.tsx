import { useEffect, useId, useState } from 'react';
import type { DockerContextInfo, DockerContextList } from '../../../shared/contract';
import { api } from '../api/bridge';
import { useDockerStore } from '../store/dockerStore';

/** The value of the "as the environment says" entry (no choice of the app's own). */
const FROM_ENV = '';

function optionText(c: DockerContextInfo): string {
  if (c.error) return `${c.name} — cannot be used`;
  return `${c.name} — ${c.url}`;
}

function envText(list: DockerContextList): string {
  if (list.dockerHostOverride) return `As the environment says (DOCKER_HOST=${list.dockerHostOverride})`;
  const current = list.contexts.find((c) => c.current);
  return `As the environment says (${current ? current.name : 'default'})`;
}

/**
 * Beside the connection pill: which docker context the app uses, for users with several engines. Shown
 * only when there is a choice (more than one context, or a choice made earlier). A native select, so the
 * keyboard and screen readers work as everywhere else; a refusal (a job is running) is shown inline.
 */
export function EnginePicker() {
  const id = useId();
  const endpointKey = useDockerStore((s) => (s.status?.endpoint ? `${s.status.endpoint.context ?? ''} ${s.status.endpoint.url}` : ''));
  const [list, setList] = useState<DockerContextList | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // Bumped after a switch, to read the list again (selected and active changed).
  const [reloads, setReloads] = useState(0);

  // Contexts come and go with `docker context create`; the endpoint changing is a good moment to look again.
  useEffect(() => {
    let live = true;
    void api.listDockerContexts().then((r) => {
      if (live && r.ok) setList(r.value);
    });
    return () => {
      live = false;
    };
  }, [endpointKey, reloads]);

  if (!list || (list.contexts.length < 2 && list.selected === null)) return null;

  const offerEnv = list.dockerHostOverride !== null || list.selected !== null;
  const value = list.selected ?? (offerEnv ? FROM_ENV : list.active);

  const choose = async (next: string) => {
    setBusy(true);
    setError(null);
    const r = await api.useDockerContext(next === FROM_ENV ? null : next);
    setBusy(false);
    if (r.ok) useDockerStore.setState({ status: r.value });
    else setError(r.error.hint ? `${r.error.message} ${r.error.hint}` : r.error.message);
    setReloads((n) => n + 1);
  };

  const title = list.contexts.find((c) => c.name === value)?.error ?? undefined;
  return (
    <span className="engine-picker">
      <label htmlFor={id}>Engine</label>
      <select
        id={id}
        value={value}
        disabled={busy}
        title={title}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => void choose(e.target.value)}
      >
        {offerEnv && <option value={FROM_ENV}>{envText(list)}</option>}
        {list.contexts.map((c) => (
          <option key={c.name} value={c.name} disabled={c.error !== null && c.name !== value} title={c.error ?? c.description}>
            {optionText(c)}
          </option>
        ))}
      </select>
      {error && (
        <span id={`${id}-error`} className="engine-picker-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
