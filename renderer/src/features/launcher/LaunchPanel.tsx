import { useId, type ChangeEvent, type ReactNode } from 'react';
import { Field } from '../../components/Field';
import { equivalentCommand, imageHint } from './format';
import { LaunchProgress } from './LaunchProgress';
import { useLauncherStore } from './launcherStore';
import { NEW_VOLUME, useLaunchForm, type LaunchForm } from './useLaunchForm';

/** The fields typed or chosen as text (not the tick boxes). */
type TextKey = { [K in keyof LaunchForm]: LaunchForm[K] extends string ? K : never }[keyof LaunchForm];

/** One term and its value in a <dl>, grouped in a div so that the list wraps them as one. */
function Fact(props: { term: string; children: ReactNode }) {
  return (
    <div>
      <dt>{props.term}</dt>
      <dd>{props.children}</dd>
    </div>
  );
}

/**
 * The launch panel: image, volume, name, listen IP, port; what main derived from the image; the
 * checks main ran (port, name, volume); then the launch itself, streamed. The form's state, checks
 * and preflight are useLaunchForm's.
 */
export function LaunchPanel(props: { initialVolume: string | null }) {
  const run = useLauncherStore((s) => s.run);
  const launch = useLauncherStore((s) => s.launch);
  // A container that stops or starts changes what the checks say (e.g. "mounted by the running AI-Lab").
  const containersKey = useLauncherStore((s) => s.containers.map((c) => `${c.id}:${c.state}`).join(','));
  // While a launch runs, and once it is ready, the panel shows that launch; the form returns after a failure.
  const showForm = !run || run.state === 'failed' || run.state === 'cancelled';
  const launchForm = useLaunchForm({ initialVolume: props.initialVolume, active: showForm, containersKey });
  const { form, set, images, volumes, loadError, preflight, checking, volumeName, port } = launchForm;
  const { volumeProblem, nameProblem, portProblem, invalid, blocking, advisory, options } = launchForm;
  const ids = {
    image: useId(),
    volume: useId(),
    newVolume: useId(),
    name: useId(),
    listenIp: useId(),
    port: useId(),
    password: useId(),
    facts: useId(),
    images: useId(),
  };
  const facts = preflight?.image ?? null;
  const busy = run !== null && !['ready', 'failed', 'cancelled'].includes(run.state);

  if (loadError) return <div className="notice notice-danger">Could not load the launch settings: {loadError}</div>;
  if (!form || volumes === null) {
    return (
      <div className="toolbar muted">
        <span className="spinner" aria-hidden="true" /> Loading…
      </div>
    );
  }

  const portCheck = preflight?.port ?? null;
  const existing = preflight?.existingContainer ?? null;
  const listenAll = form.listenIp === '0.0.0.0' || form.listenIp === '::';
  // A field's id, value and change; read-only while a launch runs.
  const bind = (key: TextKey) => ({
    id: ids[key],
    className: 'input',
    value: form[key],
    disabled: busy,
    onChange: (e: ChangeEvent<HTMLInputElement | HTMLSelectElement>) => set(key, e.target.value),
  });

  return (
    <section className="card al-launch" aria-labelledby="al-launch-title">
      <div className="card-body">
        <div className="toolbar al-section-head">
          <h2 id="al-launch-title">Launch AI-Lab</h2>
          <span className="muted small">Start JupyterLab with your notebooks volume mounted.</span>
        </div>
        {!showForm && run ? (
          <dl className="al-summary" aria-label="What is being launched">
            <Fact term="Container">{run.outcome?.containerName ?? run.options.name}</Fact>
            <Fact term="Image">
              <code>{run.options.image}</code>
            </Fact>
            <Fact term="Volume">
              {run.options.volume} → <code>{run.outcome?.notebooksPath ?? facts?.notebooksPath ?? '…'}</code>
            </Fact>
            <Fact term="Published">
              <code>
                {run.outcome?.listenIp ?? run.options.listenIp}:{run.outcome?.hostPort ?? run.options.hostPort}
              </code>
              {facts ? (
                <>
                  {' '}
                  → <code>{facts.containerPort}</code>
                </>
              ) : null}
            </Fact>
          </dl>
        ) : null}
        <form
          hidden={!showForm}
          className="al-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (options && !busy && blocking.length === 0 && !invalid) void launch(options);
          }}
        >
          <div className="al-grid">
            <Field id={ids.image} label="Image">
              <input {...bind('image')} list={ids.images} aria-describedby={ids.facts} spellCheck={false} autoComplete="off" />
              <datalist id={ids.images}>
                {images.map((i) => (
                  <option key={i.ref} value={i.ref}>
                    {i.present ? 'on this Docker host' : 'will be pulled'}
                  </option>
                ))}
              </datalist>
              <span className="field-hint">{imageHint(form.image, facts, images)}</span>
            </Field>

            <Field id={ids.volume} label="Volume">
              <select {...bind('volume')}>
                {volumes.map((v) => (
                  <option key={v.name} value={v.name}>
                    {v.name}
                  </option>
                ))}
                <option value={NEW_VOLUME}>New volume…</option>
              </select>
              {form.volume === NEW_VOLUME ? (
                <>
                  <label htmlFor={ids.newVolume} className="sr-only">
                    New volume name
                  </label>
                  <input {...bind('newVolume')} placeholder="New volume name, e.g. my-notebooks" aria-invalid={volumeProblem !== null} spellCheck={false} />
                  {volumeProblem ? <span className="field-error">{volumeProblem}</span> : <span className="field-hint">Created when you launch.</span>}
                </>
              ) : null}
            </Field>

            <Field id={ids.name} label="Container name">
              <input {...bind('name')} aria-invalid={nameProblem !== null} spellCheck={false} />
              {nameProblem ? <span className="field-error">{nameProblem}</span> : null}
            </Field>

            <Field id={ids.listenIp} label="Listen IP">
              <select {...bind('listenIp')}>
                <option value="127.0.0.1">127.0.0.1 (this computer only)</option>
                <option value="0.0.0.0">0.0.0.0 (all network interfaces)</option>
                {form.listenIp !== '127.0.0.1' && form.listenIp !== '0.0.0.0' ? <option value={form.listenIp}>{form.listenIp}</option> : null}
              </select>
              {listenAll ? (
                <span className="al-warn-text" role="note">
                  Jupyter will be reachable from the network, not only from this computer. Set a strong password.
                </span>
              ) : null}
            </Field>

            <Field id={ids.port} label="Host port">
              <input
                {...bind('port')}
                inputMode="numeric"
                aria-invalid={portProblem !== null || (portCheck !== null && !portCheck.free)}
                onChange={(e) => set('port', e.target.value.replace(/[^0-9]/g, ''))}
              />
              {portProblem ? (
                <span className="field-error">{portProblem}</span>
              ) : portCheck && !portCheck.free ? (
                <span className="field-error">
                  In use.{' '}
                  {portCheck.suggestion !== null ? (
                    <button type="button" className="btn btn-sm" onClick={() => set('port', String(portCheck.suggestion))} disabled={busy}>
                      Use port {portCheck.suggestion}
                    </button>
                  ) : null}
                </span>
              ) : portCheck?.free ? (
                <span className="field-hint">Free{portCheck.bindTested ? '' : ' (no container publishes it)'}.</span>
              ) : null}
            </Field>

            {facts?.supportsPasswordEnv ? (
              <Field id={ids.password} label="Jupyter password (optional)">
                <input {...bind('password')} type="password" autoComplete="new-password" />
                <span className="field-hint">
                  {facts.defaultPassword ? `Empty: the default password "${facts.defaultPassword}".` : 'Empty: the image default.'} Visible to anyone who can
                  run <code>docker inspect</code>.
                </span>
              </Field>
            ) : null}
          </div>

          <div id={ids.facts} className="al-facts" aria-live="polite">
            {facts ? (
              <dl>
                <Fact term="Container port">
                  <code>{facts.containerPort}</code> <span className="muted small">from {facts.containerPortSource}</span>
                </Fact>
                <Fact term="Notebooks folder">
                  <code>{facts.notebooksPath}</code> <span className="muted small">from {facts.notebooksPathSource}</span>
                </Fact>
                <Fact term="Image">
                  {facts.present ? <span className="badge badge-ok">on the Docker host</span> : <span className="badge badge-warning">will be pulled</span>}{' '}
                  {!facts.supportsPasswordEnv ? (
                    <span className="muted small">
                      This version has no password setting{facts.defaultPassword ? ` (password "${facts.defaultPassword}")` : ''}.
                    </span>
                  ) : null}
                </Fact>
                {preflight?.url ? (
                  <Fact term="URL">
                    <code>{preflight.url}</code>
                  </Fact>
                ) : null}
              </dl>
            ) : (
              <span className="muted small">{checking ? 'Reading the image…' : 'Enter an image to see its port and notebooks folder.'}</span>
            )}
          </div>

          <label className="checkbox al-check">
            <input type="checkbox" checked={form.dockerSocket} disabled={busy} onChange={(e) => set('dockerSocket', e.target.checked)} />
            <span>
              Mount the Docker socket <span className="muted small">(lets AI-Lab start an Exasol Docker-DB)</span>
              {form.dockerSocket ? (
                <span className="al-warn-text" role="note">
                  Code in any notebook gets root access to this computer through Docker. Turn this on only if you need it.
                </span>
              ) : null}
            </span>
          </label>
          <label className="checkbox al-check">
            <input type="checkbox" checked={form.open} disabled={busy} onChange={(e) => set('open', e.target.checked)} />
            <span>Open in the browser when Jupyter is ready</span>
          </label>

          {blocking.length > 0 || advisory.length > 0 ? (
            <ul className="al-warnings" aria-label="Before launching">
              {blocking.map((w) => (
                <li key={w.code} className="notice notice-danger">
                  <span>{w.message}</span>
                  {w.code === 'CONTAINER_EXISTS' && existing && options ? (
                    <button
                      type="button"
                      className="btn btn-sm"
                      disabled={busy}
                      onClick={() => void launch({ ...options, name: existing.name, startExisting: true })}
                    >
                      {existing.state === 'running' ? `Wait for "${existing.name}" and open it` : `Start "${existing.name}" instead`}
                    </button>
                  ) : null}
                </li>
              ))}
              {advisory.map((w) => (
                <li key={w.code} className="notice notice-warning">
                  {w.message}
                </li>
              ))}
            </ul>
          ) : null}

          <details className="al-command">
            <summary className="muted small">Equivalent docker command</summary>
            <code>
              {equivalentCommand({
                name: form.name,
                listenIp: form.listenIp,
                hostPort: port,
                containerPort: facts?.containerPort ?? 49494,
                volume: volumeName,
                notebooksPath: facts?.notebooksPath ?? '/home/jupyter/notebooks',
                image: form.image,
                password: Boolean(options?.password),
                dockerSocket: form.dockerSocket,
              })}
            </code>
          </details>

          <div className="toolbar">
            <button type="submit" className="btn btn-primary" disabled={busy || invalid || blocking.length > 0 || checking}>
              {busy ? <span className="spinner" aria-hidden="true" /> : null}
              Launch AI-Lab
            </button>
            {checking ? <span className="muted small">Checking…</span> : null}
          </div>
        </form>
        {run ? <LaunchProgress /> : null}
      </div>
    </section>
  );
}
