import type { z } from 'zod';
import { appEvents, appMethods } from './app';
import { backupEvents, backupMethods } from './backups';
import type { EventSpec, MethodSpec } from './define';
import { dockerEvents, dockerMethods } from './docker';
import type { Result } from './errors';
import { jobEvents, jobMethods } from './jobs';
import { launcherEvents, launcherMethods } from './launcher';
import { planEvents, planMethods } from './plans';
import { tutorialEvents, tutorialMethods } from './tutorials';
import { volumeOpMethods } from './volumeOps';
import { volumeEvents, volumeMethods } from './volumes';

/**
 * The IPC contract: the single source of truth for what the renderer may ask of main and what main
 * tells the renderer. The preload, the IPC glue, the browser-mode server and its WebSocket client are
 * all derived from these two objects.
 */
export const methods = {
  ...appMethods,
  ...dockerMethods,
  ...volumeMethods,
  ...jobMethods,
  ...launcherMethods,
  ...backupMethods,
  ...planMethods,
  ...tutorialMethods,
  ...volumeOpMethods,
} as const;

export const events = {
  ...appEvents,
  ...dockerEvents,
  ...volumeEvents,
  ...jobEvents,
  ...launcherEvents,
  ...backupEvents,
  ...planEvents,
  ...tutorialEvents,
} as const;

export type Methods = typeof methods;
export type Events = typeof events;
export type MethodName = keyof Methods & string;
export type EventName = keyof Events & string;

export type ArgsOf<M extends MethodName> = Methods[M] extends MethodSpec<infer A, unknown> ? z.infer<A> : never;
export type ResultOf<M extends MethodName> = Methods[M] extends MethodSpec<z.ZodTypeAny, infer R> ? R : never;
export type PayloadOf<E extends EventName> = Events[E] extends EventSpec<infer P> ? P : never;

export type EventSubscriberName<E extends EventName> = `on${Capitalize<E>}`;
export type Unsubscribe = () => void;

/**
 * What the renderer sees: one function per method returning a result-or-error envelope, and one
 * `onX(listener)` per event returning its unsubscribe function. The preload's object and the browser
 * mode's WebSocket client both satisfy this type.
 */
export type AilabApi = {
  readonly [M in MethodName]: (...args: ArgsOf<M> extends unknown[] ? ArgsOf<M> : never) => Promise<Result<ResultOf<M>>>;
} & {
  readonly [E in EventName as EventSubscriberName<E>]: (listener: (payload: PayloadOf<E>) => void) => Unsubscribe;
} & PlatformExtras;

export interface UploadedFile {
  uploadId: string;
  name: string;
  size: number;
}

/**
 * What differs between the two transports, kept out of the method table on purpose: these are not
 * calls into main's services but ways to hand main a file the user dropped.
 */
export interface PlatformExtras {
  /** Electron: the local path of a dropped File (webUtils.getPathForFile); main re-checks it. */
  readonly pathForFile?: (file: unknown) => string | null;
  /** Browser mode: stream a dropped File to the server; restore accepts the upload id. */
  readonly uploadFile?: (file: unknown, onProgress?: (sent: number, total: number) => void) => Promise<Result<UploadedFile>>;
  /** Browser mode: the state of the WebSocket to the app server (Electron's IPC never drops). */
  readonly onTransportState?: (listener: (state: 'open' | 'reconnecting') => void) => Unsubscribe;
}

/** What main implements: the same methods, returning plain values and throwing AppError. */
export type Handlers = {
  readonly [M in MethodName]: (...args: ArgsOf<M> extends unknown[] ? ArgsOf<M> : never) => Promise<ResultOf<M>>;
};

export const methodNames = Object.keys(methods) as MethodName[];
export const eventNames = Object.keys(events) as EventName[];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name);
}

export function subscriberName<E extends EventName>(e: E): EventSubscriberName<E> {
  return `on${e.charAt(0).toUpperCase()}${e.slice(1)}` as EventSubscriberName<E>;
}

export const IPC_PREFIX = 'ailab:';
export const methodChannel = (m: MethodName): string => `${IPC_PREFIX}call:${m}`;
export const eventChannel = (e: EventName): string => `${IPC_PREFIX}event:${e}`;

export * from './errors';
export type { Settings, SettingsPatch } from './settings';
export type { DockerStatus, DockerEndpoint, EndpointSource, DockerContextInfo, DockerContextList } from './docker';
export type { VolumeSummary } from './volumes';
export type { AppInfo, RunMode } from './app';
