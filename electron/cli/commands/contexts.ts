import { parse } from '../args';
import type { CliCommand } from '../command';
import { EXIT } from '../exitCodes';
import { printList, printable } from '../format';

const contexts: CliCommand = {
  name: 'contexts',
  summary: 'list the Docker engines (docker contexts) ailab can use with --context',
  help: `Usage: ailab contexts [--json]

Lists the docker contexts (as \`docker context ls\` does) plus the implicit "default" (the local
engine). The one marked * is the one ailab uses now: --context NAME, else DOCKER_HOST (then "default"),
DOCKER_CONTEXT or the docker CLI's current context. Pick another for one command with
\`ailab --context NAME <command>\`.

Options:
  --json   print JSON: [{name, description, url, protocol, current, error}]`,
  async run(ctx, argv) {
    const { values } = parse(argv, { json: { type: 'boolean' } }, false);
    const { contexts: list } = await ctx.call('listDockerContexts');
    printList(ctx.io.out, list, {
      json: Boolean(values.json),
      empty: 'No docker contexts.',
      header: ['NAME', 'DESCRIPTION', 'DOCKER ENDPOINT', 'ERROR'],
      row: (c) => [`${printable(c.name)}${c.current ? ' *' : ''}`, printable(c.description), c.url, c.error ?? ''],
    });
    return EXIT.OK;
  },
};

export const contextCommands: CliCommand[] = [contexts];
