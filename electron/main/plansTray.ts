import { Menu, nativeImage, Notification, Tray, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import type { PlanList, PlanRun, PlanRunOutcome } from '../../shared/contract/plans';
import type { SchedulerEvent } from '../services/plans/plansService';
import { protectionSummary } from '../services/plans/protection';

/** What the tray needs of the plans domain (core.plans). */
export interface TrayPlans {
  list(): Promise<PlanList>;
  runNow(volume: string): Promise<PlanRunOutcome>;
  onRun(listener: (e: SchedulerEvent) => void): () => void;
}

export interface PlansTrayDeps {
  plans: TrayPlans;
  /** Null while this app runs the plans; else why another process does (runPlansInBackground). */
  elsewhere(): string | null;
  iconPath: string;
  platform: NodeJS.Platform;
  openWindow(): void;
  quit(): void;
  /** Called after each refresh, with whether plans exist (main shows the window again when they are gone). */
  onChange?(hasPlans: boolean): void;
  log?(line: string): void;
  /** How often the plans file is re-read (plans set or removed elsewhere, health ageing). */
  refreshMs?: number;
}

/**
 * The tray (menu-bar) icon while backup plans exist: "Open AI-Lab Desktop", "Back up now" (all plans,
 * or one volume's), "Quit", and a tooltip with the protection state. It also raises a notification for
 * a failed plan run, once per failing streak (the run's `firstFailure`, decided by PlansService from the
 * recorded runs); clicking it opens the window.
 */
export class PlansTray {
  private tray: Tray | null = null;
  /** Notifications kept referenced until clicked or closed, or their click would be lost to GC. */
  private readonly live = new Set<Notification>();
  private readonly running = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private readonly offRun: () => void;
  private disposed = false;

  constructor(private readonly deps: PlansTrayDeps) {
    this.offRun = deps.plans.onRun((e) => this.onRun(e));
    this.timer = setInterval(() => void this.refresh(), deps.refreshMs ?? 60_000);
    this.timer.unref();
  }

  hasPlans(): boolean {
    return this.tray !== null;
  }

  /** Re-reads the plans: creates the tray when the first plan appears, removes it when the last goes. */
  async refresh(): Promise<void> {
    let list: PlanList;
    try {
      list = await this.deps.plans.list();
    } catch (err) {
      this.deps.log?.(`Could not read the backup plans: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (this.disposed) return;
    const volumes = list.plans.map((p) => p.plan.volume);
    if (volumes.length === 0) {
      this.tray?.destroy();
      this.tray = null;
    } else {
      if (!this.tray) {
        this.tray = new Tray(this.icon());
        // Windows and Linux: a click opens the window; the menu (right click, macOS: any click) has the rest.
        this.tray.on('click', () => this.deps.openWindow());
      }
      const protection = protectionSummary(list.plans, this.deps.elsewhere());
      const busy = [...this.running];
      this.tray.setToolTip(`AI-Lab Desktop: ${protection.text}${busy.length > 0 ? `; backing up ${busy.join(', ')}` : ''}`);
      this.tray.setContextMenu(Menu.buildFromTemplate(this.menu(volumes)));
    }
    this.deps.onChange?.(this.tray !== null);
  }

  private icon(): NativeImage {
    const image = nativeImage.createFromPath(this.deps.iconPath);
    const size = this.deps.platform === 'linux' ? 24 : 16;
    return image.isEmpty() ? image : image.resize({ width: size, height: size });
  }

  private menu(volumes: string[]): MenuItemConstructorOptions[] {
    return [
      { label: 'Open AI-Lab Desktop', click: () => this.deps.openWindow() },
      {
        label: 'Back up now',
        submenu: [
          { label: volumes.length === 1 ? `All plans (${volumes[0]})` : `All ${volumes.length} plans`, click: () => void this.backUpNow(volumes) },
          { type: 'separator' },
          ...volumes.map((v) => ({ label: v, enabled: !this.running.has(v), click: () => void this.backUpNow([v]) })),
        ],
      },
      { type: 'separator' },
      { label: 'Quit', click: () => this.deps.quit() },
    ];
  }

  /** Runs the plans of `volumes` now, one after another (as the scheduler does), through PlansService. */
  async backUpNow(volumes: readonly string[]): Promise<PlanRun[]> {
    const runs: PlanRun[] = [];
    for (const volume of volumes) {
      try {
        runs.push((await this.deps.plans.runNow(volume)).run);
      } catch (err) {
        this.deps.log?.(`Back up now: ${volume}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return runs;
  }

  private onRun(e: SchedulerEvent): void {
    if (e.event === 'run-started') this.running.add(e.volume);
    if (e.event === 'run-finished') this.running.delete(e.volume);
    if (e.event === 'run-finished' && e.firstFailure) this.notify(`Backup plan of ${e.volume} failed`, e.run.message);
    if (e.event === 'run-started' || e.event === 'run-finished') void this.refresh();
  }

  private notify(title: string, body: string): void {
    if (this.disposed || !Notification.isSupported()) return;
    const note = new Notification({ title, body });
    this.live.add(note);
    note.on('click', () => {
      this.live.delete(note);
      this.deps.openWindow();
    });
    note.on('close', () => this.live.delete(note));
    note.show();
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.timer);
    this.offRun();
    this.tray?.destroy();
    this.tray = null;
    this.live.clear();
  }
}
