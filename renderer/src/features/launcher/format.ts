import type { AiLabImageFacts, AiLabImageOption } from '../../../../shared/contract/launcher';

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
  const parts = [
    'docker run --detach',
    `--name ${o.name || 'ai-lab'}`,
    `--publish ${o.listenIp}:${o.hostPort ?? '?'}:${o.containerPort}`,
    `--volume ${o.volume || '$VOLUME'}:${o.notebooksPath}`,
  ];
  if (o.password) parts.push('--env JUPYTER_PASSWORD=…');
  if (o.dockerSocket) parts.push('--volume /var/run/docker.sock:/var/run/docker.sock');
  parts.push(o.image);
  return parts.join(' ');
}

/**
 * The line under the image field: about the chosen image once main has read it (present or to be
 * pulled), else which AI-Lab images the Docker host has.
 */
export function imageHint(
  chosen: string,
  facts: Pick<AiLabImageFacts, 'image' | 'present'> | null,
  images: Pick<AiLabImageOption, 'ref' | 'present'>[],
): string {
  const local = images.filter((i) => i.present && i.ref !== chosen.trim()).map((i) => i.ref);
  const others = local.length > 0 ? ` Also here: ${local.join(', ')}.` : '';
  if (facts && chosen.trim() !== '') {
    return facts.present ? `On this Docker host.${others}` : `Not on this Docker host yet: it is pulled when you launch.${others}`;
  }
  return local.length > 0 ? `On this Docker host: ${local.join(', ')}.` : 'No AI-Lab image on the Docker host yet; the chosen one is pulled when you launch.';
}
