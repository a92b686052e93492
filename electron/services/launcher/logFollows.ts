import type Dockerode from 'dockerode';
import type { LogLine } from '../../../shared/contract/launcher';
import { followContainerLog, type LogFollower } from './containerLog';
import type { ContainerInspectLike } from './containers';

const MAX_FOLLOWS = 16;

/**
 * Log views that are open in some window. Each lives until the window stops it, the container stops
 * (the engine ends the stream), or too many are open (a renderer that forgot to stop must not leak).
 */
export class LogFollows {
  private readonly follows = new Map<string, LogFollower>();

  constructor(private readonly emit: (lines: LogLine[]) => void) {}

  async start(docker: Dockerode, followId: string, c: ContainerInspectLike, tail: number): Promise<void> {
    this.stop(followId);
    while (this.follows.size >= MAX_FOLLOWS) {
      const oldest = this.follows.keys().next().value;
      if (oldest === undefined) break;
      this.stop(oldest);
    }
    const system = (line: string, end = false) =>
      this.emit([{ source: followId, containerId: c.Id, stream: 'system', line, at: Date.now(), ...(end ? { end: true as const } : {}) }]);
    if (!c.State.Running) system(`Container is ${c.State.Status}; showing its last ${tail} lines.`);
    const follower = await followContainerLog(docker, docker.getContainer(c.Id), Boolean(c.Config.Tty), { follow: true, tail }, (lines) => {
      const at = Date.now();
      this.emit(lines.map((l) => ({ source: followId, containerId: c.Id, stream: l.stream, line: l.line, at })));
    });
    this.follows.set(followId, follower);
    void follower.done.then(() => {
      // Stopped by the viewer: it is gone, nobody to tell.
      if (this.follows.get(followId) !== follower) return;
      this.follows.delete(followId);
      system(c.State.Running ? 'Log ended: the container stopped.' : 'End of log.', true);
    });
  }

  stop(followId: string): boolean {
    const f = this.follows.get(followId);
    if (!f) return false;
    this.follows.delete(followId);
    f.stop();
    return true;
  }

  stopAll(): void {
    for (const id of [...this.follows.keys()]) this.stop(id);
  }

  get size(): number {
    return this.follows.size;
  }
}
