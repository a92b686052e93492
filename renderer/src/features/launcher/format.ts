import { useEffect, useState } from 'react';

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
