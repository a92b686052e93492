import path from 'node:path';
import type { DockerEndpoint, DockerStatus } from '../../../shared/contract/docker';
import type { Settings } from '../../../shared/contract/settings';
import { resolveDockerEndpoint } from '../../services/docker/endpoint';
import { isNotFound, toAppError } from '../../services/docker/errors';
import type { DockerConnection } from '../../services/docker/types';
import { parse } from '../args';
import type { CliCommand } from '../command';
import { EXIT } from '../exitCodes';
import { formatBytes, formatTable, hintBeyond } from '../format';

export interface ImageCheck {
  role: 'helper' | 'ai-lab';
  /** What it is for, in words. */
  purpose: string;
  reference: string;
  present: boolean;
  id: string | null;
  size: number | null;
  /** What to do when it is missing. */
  warning: string | null;
}

export interface DoctorReport {
  version: string;
  docker: DockerStatus;
  images: ImageCheck[];
  warnings: string[];
}

/** `repo` + `version` from the settings as one reference; a digest joins with @. */
export function aiLabReference(settings: Pick<Settings, 'aiLabImage' | 'aiLabVersion'>): string {
  const v = settings.aiLabVersion;
  return v.startsWith('sha256:') ? `${settings.aiLabImage}@${v}` : `${settings.aiLabImage}:${v}`;
}

/** Where the endpoint came from, as a person would say it. */
export function describeSource(endpoint: DockerEndpoint, env: NodeJS.ProcessEnv = process.env): string {
  switch (endpoint.source) {
    case 'DOCKER_HOST':
      return 'DOCKER_HOST';
    case 'DOCKER_CONTEXT':
      return `docker context "${endpoint.context ?? '?'}" (DOCKER_CONTEXT)`;
    case 'config.json currentContext': {
      const dir = env.DOCKER_CONFIG ? path.resolve(env.DOCKER_CONFIG) : '~/.docker';
      return `docker context "${endpoint.context ?? '?'}" (current context in ${path.join(dir, 'config.json')})`;
    }
    case 'default socket':
      return 'the default socket';
    case 'Docker Desktop socket':
      return "Docker Desktop's socket in your home folder (/var/run/docker.sock does not exist)";
    case 'default pipe':
      return 'the default named pipe';
  }
}

async function checkImage(docker: DockerConnection, role: ImageCheck['role'], reference: string): Promise<ImageCheck> {
  const purpose = role === 'helper' ? 'helper image for backup and restore containers' : 'AI-Lab image launched with your volume';
  try {
    const info = await docker.client().getImage(reference).inspect();
    return { role, purpose, reference, present: true, id: info.Id, size: info.Size, warning: null };
  } catch (err) {
    if (!isNotFound(err)) throw toAppError(err);
    const warning =
      role === 'helper'
        ? `The helper image ${reference} is not present locally; backups and restores need it. Run \`docker pull ${reference}\` while online, or set a helper image you have in the settings.`
        : `The AI-Lab image ${reference} is not present locally; launching AI-Lab needs it. Run \`docker pull ${reference}\` while online (it is large), or pick an AI-Lab version you have in the settings.`;
    return { role, purpose, reference, present: false, id: null, size: null, warning };
  }
}

function endpointLines(status: DockerStatus): string[][] {
  const ep = status.endpoint;
  if (!ep) return [];
  const rows = [
    ['endpoint', ep.url],
    ['from', describeSource(ep)],
  ];
  if (ep.protocol === 'tcp') rows.push(['tls', ep.tls ? 'on' : 'off (plain HTTP)']);
  if (!ep.local) rows.push(['remote', 'yes: published ports (Jupyter) are on that host, not on this machine']);
  return rows;
}

/** "key   value" lines, keys padded to one width. */
function keyValues(rows: string[][]): string {
  const width = Math.max(...rows.map((r) => (r[0] ?? '').length));
  return rows.map(([k, v]) => `  ${(k ?? '').padEnd(width)}   ${v ?? ''}\n`).join('');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
}

const doctor: CliCommand = {
  name: 'doctor',
  summary: 'check the Docker connection and the images AI-Lab Desktop needs',
  help: `Usage: ailab doctor [--json]

Shows which Docker engine ailab talks to and why (DOCKER_HOST, the docker context, or the default
socket), the engine's version, API version and OS, and whether the images later commands need are
present locally: the helper image for backups and restores and the AI-Lab image (both from the
settings). Missing images are warnings (exit code 0).

Options:
  --json   print the report as JSON

Exit codes: 0 Docker is reachable (warnings may follow), 3 Docker is not reachable.`,
  async run(ctx, argv) {
    const { values } = parse(argv, { json: { type: 'boolean' } }, false);
    const core = await ctx.core();
    const status = await core.docker.connectOnce();
    // The same resolution the connection made (from the same env), for what it only warned about.
    const warnings = [...resolveDockerEndpoint({ env: ctx.env }).warnings];
    const settingsWarning = core.settings.getWarning();
    if (settingsWarning) warnings.push(settingsWarning);

    if (status.state !== 'connected') {
      const report: DoctorReport = { version: core.version, docker: status, images: [], warnings };
      const error: { code: string; message: string; hint?: string } = status.error ?? { code: 'DOCKER_UNREACHABLE', message: 'Docker is not reachable.' };
      if (values.json) {
        // The report, plus the error as every command prints it with --json.
        ctx.io.out(`${JSON.stringify({ ok: false, error, exitCode: EXIT.DOCKER_UNREACHABLE, ...report }, null, 2)}\n`);
        return EXIT.DOCKER_UNREACHABLE;
      }
      const rows = endpointLines(status);
      if (rows.length > 0) ctx.io.out(`Docker\n${keyValues(rows)}`);
      ctx.io.err(`Error: ${error.message}\n`);
      const hint = hintBeyond(error.message, error.hint);
      if (hint) ctx.io.err(`  ${hint}\n`);
      for (const w of warnings) ctx.io.err(`Warning: ${w}\n`);
      return EXIT.DOCKER_UNREACHABLE;
    }

    const settings = core.settings.get();
    const images = [await checkImage(core.docker, 'helper', settings.helperImage), await checkImage(core.docker, 'ai-lab', aiLabReference(settings))];
    for (const image of images) if (image.warning) warnings.push(image.warning);
    const report: DoctorReport = { version: core.version, docker: status, images, warnings };

    if (values.json) {
      ctx.io.out(`${JSON.stringify(report, null, 2)}\n`);
      return EXIT.OK;
    }
    const dockerRows = [
      ...endpointLines(status),
      ['engine', `${status.engineVersion ?? 'unknown'}${status.apiVersion ? ` (API ${status.apiVersion})` : ''}`],
      ['os', status.os ?? 'unknown'],
    ];
    let text = `ailab ${core.version}\n\nDocker\n${keyValues(dockerRows)}\nImages\n`;
    text += indent(
      formatTable(
        ['IMAGE', 'STATUS', 'SIZE', 'USED AS'],
        images.map((i) => [i.reference, i.present ? 'present' : 'missing', formatBytes(i.size, '-'), i.purpose]),
      ),
    );
    if (warnings.length > 0) text += `\nWarnings\n${warnings.map((w) => `  ! ${w}`).join('\n')}\n`;
    else text += '\nEverything looks fine.\n';
    ctx.io.out(text);
    return EXIT.OK;
  },
};

export const doctorCommands: CliCommand[] = [doctor];
