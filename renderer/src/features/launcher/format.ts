import { useEffect, useState } from 'react';

export function formatUptime(startedAt: string | null, now: number): string {
  if (!startedAt) return '';
  const s = Math.max(0, Math.floor((now - Date.parse(startedAt)) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 10 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

/** The current time, re-rendered every `everyMs` (for uptimes; nothing is fetched). */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** The docker command the launch replaces, shown so nothing happens behind the user's back. */
export function equivalentCommand(o: {
  name: string;
  listenIp: string;
  hostPort: number | null;
  containerPort: number;
  volume: string;
  notebooksPath: string;
  image: string;
  password: boolean;
  dockerSocket: boolean;
}): string {
  const parts = ['docker run --detach', `--name ${o.name || 'ai-lab'}`, `--publish ${o.listenIp}:${o.hostPort ?? '?'}:${o.containerPort}`, `--volume ${o.volume || '$VOLUME'}:${o.notebooksPath}`];
  if (o.password) parts.push('--env JUPYTER_PASSWORD=…');
  if (o.dockerSocket) parts.push('--volume /var/run/docker.sock:/var/run/docker.sock');
  parts.push(o.image);
  return parts.join(' ');
}
