import { useEffect, useMemo, useRef, useState } from 'react';
import type { Settings, VolumeSummary } from '../../../../shared/contract';
import type { AiLabImageOption, LaunchOptions, LaunchPreflight, LaunchWarning } from '../../../../shared/contract/launcher';
import { checkContainerName, checkVolumeName } from '../../../../shared/contract/validation';
import { api } from '../../api/bridge';
import { loadDraft, saveDraft, type LaunchDraft } from './draft';

/** The volume select's value for "New volume…". */
export const NEW_VOLUME = '__new__';

/** How long the preflight waits for the typing to pause before it asks main. */
export const PREFLIGHT_DEBOUNCE_MS = 250;

/** The form's fields: what a draft keeps, and the password, which it never keeps. */
export type LaunchForm = LaunchDraft & { password: string };

export function portNumber(s: string): number | null {
  const n = Number(s);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : null;
}

/**
 * Without a default volume, guess the one that holds notebooks: one an AI-Lab container used, else a
 * named one. Never an anonymous volume (a 64-hex name nobody chose), which would surprise the user.
 */
export function likelyNotebooksVolume(vols: VolumeSummary[]): string | undefined {
  const named = vols.filter((v) => !v.anonymous);
  return (named.find((v) => v.containers.some((c) => c.aiLab)) ?? named[0])?.name;
}

export interface LaunchFormState {
  /** null until the settings, images and volumes are loaded. */
  form: LaunchForm | null;
  set<K extends keyof LaunchForm>(key: K, value: LaunchForm[K]): void;
  images: AiLabImageOption[];
  volumes: VolumeSummary[] | null;
  loadError: string | null;
  /** What main said about the draft (image facts, port, name, volume), or null before the first answer. */
  preflight: LaunchPreflight | null;
  checking: boolean;
  volumeName: string;
  port: number | null;
  volumeProblem: string | null;
  nameProblem: string | null;
  portProblem: string | null;
  /** A field is missing or wrong: the launch button stays off. */
  invalid: boolean;
  /** Warnings that stop a launch, and those worth showing next to the form. */
  blocking: LaunchWarning[];
  advisory: LaunchWarning[];
  /** What a launch would be started with, or null while the form cannot say. */
  options: LaunchOptions | null;
}

/**
 * The launch form's state: loaded from the settings, a session draft or the volume another page asked
 * for; validated as the user types with the contract's rules; checked by main (checkAiLabLaunch),
 * debounced, whenever a field that matters changes and while `active` (the form is shown).
 */
export function useLaunchForm(o: { initialVolume: string | null; active: boolean; containersKey: string }): LaunchFormState {
  const [form, setForm] = useState<LaunchForm | null>(null);
  const [images, setImages] = useState<AiLabImageOption[]>([]);
  const [volumes, setVolumes] = useState<VolumeSummary[] | null>(null);
  const [preflight, setPreflight] = useState<LaunchPreflight | null>(null);
  const [checking, setChecking] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const initialVolume = useRef(o.initialVolume);

  // Settings, image tags and volumes once; the volume list follows the engine.
  useEffect(() => {
    let alive = true;
    void Promise.all([api.getSettings(), api.listAiLabImages(), api.listVolumes()]).then(([s, i, v]) => {
      if (!alive) return;
      if (!s.ok) {
        setLoadError(s.error.message);
        return;
      }
      const settings: Settings = s.value;
      const vols = v.ok ? v.value : [];
      setVolumes(vols);
      if (i.ok) setImages(i.value.images);
      const wanted = initialVolume.current ?? settings.defaultVolume;
      const known = vols.some((x) => x.name === wanted);
      const draft = loadDraft();
      // A volume another page asked for wins over the draft; a draft's volume that is gone does not count.
      if (draft && !initialVolume.current && (draft.volume === NEW_VOLUME || vols.some((x) => x.name === draft.volume))) {
        setForm({ ...draft, password: '' });
        return;
      }
      setForm({
        image: i.ok ? i.value.defaultImage : `${settings.aiLabImage}:${settings.aiLabVersion}`,
        volume: wanted && known ? wanted : wanted ? NEW_VOLUME : (likelyNotebooksVolume(vols) ?? NEW_VOLUME),
        newVolume: wanted && !known ? wanted : '',
        name: 'ai-lab',
        listenIp: settings.listenIp,
        port: String(settings.hostPort),
        password: '',
        dockerSocket: false,
        open: settings.openBrowserWhenReady,
      });
    });
    const off = api.onVolumesChanged(() => {
      void api.listVolumes().then((r) => {
        if (alive && r.ok) setVolumes(r.value);
      });
    });
    return () => {
      alive = false;
      off();
    };
  }, []);

  useEffect(() => {
    if (form) saveDraft(form);
  }, [form]);

  const volumeName = form ? (form.volume === NEW_VOLUME ? form.newVolume.trim() : form.volume) : '';
  const port = form ? portNumber(form.port) : null;
  const volumeProblem = form && form.volume === NEW_VOLUME && form.newVolume !== '' ? checkVolumeName(form.newVolume.trim()) : null;
  const nameProblem = form ? checkContainerName(form.name) : null;
  const portProblem = form && port === null ? 'A port is a whole number from 1 to 65535.' : null;

  // Ask main what it thinks of the draft: image facts, port, name, volume. Debounced while typing.
  const draftKey = form ? JSON.stringify([form.image, volumeName, form.name, form.listenIp, port, form.dockerSocket, o.containersKey]) : '';
  const requestSeq = useRef(0);
  useEffect(() => {
    if (!form || port === null || form.image.trim() === '' || !o.active) return;
    const seq = ++requestSeq.current;
    const timer = setTimeout(() => {
      setChecking(true);
      void api
        .checkAiLabLaunch({
          image: form.image.trim(),
          volume: volumeName,
          name: form.name,
          listenIp: form.listenIp,
          hostPort: port,
          dockerSocket: form.dockerSocket,
        })
        .then((r) => {
          if (seq !== requestSeq.current) return;
          setChecking(false);
          setPreflight(r.ok ? r.value : null);
        });
    }, PREFLIGHT_DEBOUNCE_MS);
    return () => clearTimeout(timer);
    // draftKey stands for the fields that matter; re-checking on every keystroke elsewhere is waste.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [draftKey, o.active]);

  const facts = preflight?.image ?? null;
  const blocking = preflight?.warnings.filter((w) => w.blocking) ?? [];
  const advisory = preflight?.warnings.filter((w) => !w.blocking && w.code !== 'DOCKER_SOCKET' && w.code !== 'LISTEN_ALL_INTERFACES') ?? [];
  const invalid = !form || !volumeName || volumeProblem !== null || nameProblem !== null || portProblem !== null || form.image.trim() === '';

  const options = useMemo((): LaunchOptions | null => {
    if (!form || port === null || !volumeName) return null;
    const opts: LaunchOptions = {
      image: form.image.trim(),
      volume: volumeName,
      createVolume: form.volume === NEW_VOLUME,
      name: form.name,
      listenIp: form.listenIp,
      hostPort: port,
      dockerSocket: form.dockerSocket,
      startExisting: false,
      pull: true,
      timeoutSeconds: 120,
      open: form.open,
    };
    if (facts?.supportsPasswordEnv && form.password !== '') opts.password = form.password;
    return opts;
  }, [form, port, volumeName, facts?.supportsPasswordEnv]);

  const set = <K extends keyof LaunchForm>(key: K, value: LaunchForm[K]) => setForm((f) => (f ? { ...f, [key]: value } : f));

  return {
    form,
    set,
    images,
    volumes,
    loadError,
    preflight,
    checking,
    volumeName,
    port,
    volumeProblem,
    nameProblem,
    portProblem,
    invalid,
    blocking,
    advisory,
    options,
  };
}
