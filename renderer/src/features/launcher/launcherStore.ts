import { create } from 'zustand';
import type { ApiErrorPayload } from '../../../../shared/contract';
import type {
  AiLabContainer,
  LaunchOptions,
  LaunchOutcome,
  LaunchState,
  LaunchStateEvent,
  LogLine,
  PullProgressEvent,
} from '../../../../shared/contract/launcher';
import { api } from '../../api/bridge';

const MAX_LOG_LINES = 2000;

export interface LaunchRun {
  launchId: string;
  options: LaunchOptions;
  state: LaunchState;
  message: string;
  /** Every state passed through, for the stepper. */
  history: LaunchState[];
  containerId: string | null;
  url: string | null;
  loginHint: string | null;
  pull: PullProgressEvent | null;
  log: LogLine[];
  outcome: LaunchOutcome | null;
  error: ApiErrorPayload | null;
  cancelling: boolean;
}

interface LauncherState {
  containers: AiLabContainer[];
  containersLoaded: boolean;
  containersError: ApiErrorPayload | null;
  run: LaunchRun | null;
  /** Lines of followed logs by follow id (the container panel's log viewer). */
  follows: Record<string, LogLine[]>;
  refreshContainers: () => Promise<void>;
  launch: (options: LaunchOptions) => Promise<void>;
  cancelLaunch: () => Promise<void>;
  clearRun: () => void;
}

function newId(prefix: string): string {
  const rnd = typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return `${prefix}-${rnd}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64);
}

export const newFollowId = (): string => newId('follow');

function appendCapped(list: LogLine[], more: LogLine[]): LogLine[] {
  const next = list.concat(more);
  return next.length > MAX_LOG_LINES ? next.slice(next.length - MAX_LOG_LINES) : next;
}

/**
 * The launcher's state: the AI-Lab containers (kept current by main's aiLabContainersChanged event,
 * no polling) and the one launch the panel shows. It lives outside the page so a launch keeps going,
 * and stays visible, when the user switches tabs.
 */
export const useLauncherStore = create<LauncherState>((set, get) => ({
  containers: [],
  containersLoaded: false,
  containersError: null,
  run: null,
  follows: {},

  refreshContainers: async () => {
    const r = await api.listAiLabContainers();
    if (r.ok) set({ containers: r.value, containersLoaded: true, containersError: null });
    else set({ containersLoaded: true, containersError: r.error });
  },

  launch: async (options) => {
    const launchId = newId('launch');
    set({
      run: {
        launchId,
        options,
        state: 'checking',
        message: 'Checking…',
        history: ['checking'],
        containerId: null,
        url: null,
        loginHint: null,
        pull: null,
        log: [],
        outcome: null,
        error: null,
        cancelling: false,
      },
    });
    const r = await api.launchAiLab(launchId, options);
    const run = get().run;
    if (!run || run.launchId !== launchId) return;
    if (r.ok) {
      set({
        run: {
          ...run,
          outcome: r.value,
          url: r.value.url,
          loginHint: r.value.loginHint,
          containerId: r.value.containerId,
          state: 'ready',
          error: null,
          cancelling: false,
        },
      });
    } else {
      set({ run: { ...run, error: r.error, state: r.error.code === 'CANCELLED' ? 'cancelled' : 'failed', message: r.error.message, cancelling: false } });
    }
  },

  cancelLaunch: async () => {
    const run = get().run;
    if (!run) return;
    set({ run: { ...run, cancelling: true } });
    await api.cancelAiLabLaunch(run.launchId);
  },

  clearRun: () => set({ run: null }),
}));

function onState(e: LaunchStateEvent) {
  const { run } = useLauncherStore.getState();
  if (!run || run.launchId !== e.launchId) return;
  // The call's own reply is authoritative for the end; events only move the steps forward.
  if (run.outcome || (run.error && e.state !== 'failed' && e.state !== 'cancelled')) return;
  useLauncherStore.setState({
    run: {
      ...run,
      state: e.state,
      message: e.message,
      history: run.history.at(-1) === e.state ? run.history : [...run.history, e.state],
      containerId: e.containerId ?? run.containerId,
      url: e.url ?? run.url,
      loginHint: e.loginHint ?? run.loginHint,
      error: e.error ?? run.error,
    },
  });
}

function onPull(p: PullProgressEvent) {
  const { run } = useLauncherStore.getState();
  if (!run || run.launchId !== p.launchId) return;
  useLauncherStore.setState({ run: { ...run, pull: p } });
}

function onLog(lines: LogLine[]) {
  const { run, follows } = useLauncherStore.getState();
  let nextRun = run;
  let nextFollows = follows;
  const forRun = run ? lines.filter((l) => l.source === run.launchId) : [];
  if (run && forRun.length > 0) nextRun = { ...run, log: appendCapped(run.log, forRun) };
  for (const id of Object.keys(follows)) {
    const mine = lines.filter((l) => l.source === id);
    if (mine.length > 0) nextFollows = { ...nextFollows, [id]: appendCapped(nextFollows[id] ?? [], mine) };
  }
  if (nextRun !== run || nextFollows !== follows) useLauncherStore.setState({ run: nextRun, follows: nextFollows });
}

/** Start receiving a followed log's lines (before asking main to follow, so none are missed). */
export function registerFollow(id: string): void {
  useLauncherStore.setState((s) => ({ follows: { ...s.follows, [id]: [] } }));
}

export function unregisterFollow(id: string): void {
  useLauncherStore.setState((s) => {
    const next = { ...s.follows };
    delete next[id];
    return { follows: next };
  });
}

let started = false;
/** Subscribe once for the app's lifetime. */
export function startLauncherSync(): void {
  if (started) return;
  started = true;
  api.onLaunchState(onState);
  api.onLaunchPullProgress(onPull);
  api.onLauncherLog(onLog);
  api.onAiLabContainersChanged(({ containers }) => useLauncherStore.setState({ containers, containersLoaded: true, containersError: null }));
  api.onDockerStatus((s) => {
    if (s.state === 'connected') void useLauncherStore.getState().refreshContainers();
  });
  // After the browser mode's socket comes back, re-read what may have changed meanwhile.
  api.onTransportState?.((s) => {
    if (s === 'open') void useLauncherStore.getState().refreshContainers();
  });
  void useLauncherStore.getState().refreshContainers();
}
