import type { TutorialFile, TutorialsComparison, TutorialsCopyResult } from '../../../shared/contract/tutorials';
import { parse, UsageError } from '../args';
import type { CliCommand } from '../command';
import { EXIT, EXIT_CODE_HELP } from '../exitCodes';
import { formatTable, printable } from '../format';

/** `ailab tutorials`: a volume against an image's shipped notebooks, and copying them in (issue 18). */

const USAGE = 'Usage: ailab tutorials VOLUME [--image IMAGE] [--copy new|all] [--conflict keep-both|overwrite|skip] [--json]';

const HELP = `${USAGE}

A new AI-Lab image does not refresh the notebooks in an existing volume: it ships them in its
notebook-defaults folder (/home/jupyter/notebook-defaults) and AI-Lab only copies the missing ones.
This compares the volume with that folder, read from the image without starting AI-Lab (a
container is created from the image, never started, and removed), and lists each shipped file as

  new        not in the volume
  unchanged  the volume has the same content
  differs    updated upstream: the volume's copy is an older image's version (you never edited it)
             edited: it matches no shipped version we know (your edits, or an image no longer here)

Older versions come from the images of containers that use the volume and the other local
exasol/ai-lab tags.

Options:
  --image IMAGE   the image to take the tutorials from (default: the newest local AI-Lab image;
                  the output says which)
  --copy new      copy the new files in, as they are
  --copy all      copy the new files and the ones that differ
  --conflict C    for files that differ (with --copy all):
                    keep-both  (default) the image's copy goes beside yours: start (6.2.0).ipynb
                    overwrite  the image's copy replaces yours
                    skip       leave yours
                  The Secure Configuration Storage file is never replaced.
  --json          print JSON (the comparison, or the copy's result)

Copies are owned like the notebooks folder (jupyter, uid 1001, in AI-Lab 2.0.0+ volumes).

${EXIT_CODE_HELP}`;

const ORIGIN_WORDS: Record<NonNullable<TutorialFile['origin']>, string> = {
  'updated-upstream': 'updated upstream',
  edited: 'edited by you (or unknown origin)',
  'not-a-file': 'a folder or link holds the name',
};

function stateWords(f: TutorialFile): string {
  if (f.state !== 'differs') return f.state;
  const why = f.origin ? ORIGIN_WORDS[f.origin] : 'differs';
  return f.origin === 'updated-upstream' && f.matchesImages.length > 0 ? `differs: ${why} (yours is ${f.matchesImages[0]}'s)` : `differs: ${why}`;
}

export function printComparison(out: (t: string) => void, c: TutorialsComparison): void {
  out(`Image: ${c.image}${c.imageChosen === 'newest-local' ? ' (the newest local AI-Lab image)' : ''}, defaults in ${c.defaultsPath}\n`);
  if (c.comparedWith.length > 0) out(`Older versions from: ${c.comparedWith.join(', ')}\n`);
  if (c.files.length === 0) out('The image ships no files in its notebook-defaults folder.\n');
  else
    out(
      formatTable(
        ['STATE', 'PATH'],
        c.files.map((f) => [
          stateWords(f),
          printable(f.path) + (f.blocked ? ` (cannot be copied: ${f.blocked})` : '') + (f.scs ? ' (Secure Configuration Storage)' : ''),
        ]),
      ),
    );
  out(`${c.counts.new} new, ${c.counts.differs} differ, ${c.counts.unchanged} unchanged (volume ${c.volume}).\n`);
}

export function printCopy(out: (t: string) => void, r: TutorialsCopyResult): void {
  for (const c of r.copied)
    out(
      c.as === c.path
        ? `copied ${printable(c.path)}${c.how === 'overwrite' ? ' (replaced yours)' : ''}\n`
        : `copied ${printable(c.path)} as ${printable(c.as)}\n`,
    );
  for (const s of r.skipped) out(`skipped ${printable(s.path)}: ${s.reason}\n`);
  for (const n of r.notes) out(`note: ${n}\n`);
  out(`${r.copied.length === 0 ? 'Nothing copied' : `${r.copied.length} copied`} into volume ${r.volume} from ${r.image} (owner ${r.uid}:${r.gid}).\n`);
}

const tutorials: CliCommand = {
  name: 'tutorials',
  summary: "compare a volume with an AI-Lab image's shipped notebooks and copy new ones in (ailab tutorials --help)",
  help: HELP,
  async run(ctx, argv) {
    const { values, positionals } = parse(argv, {
      json: { type: 'boolean' },
      image: { type: 'string' },
      copy: { type: 'string' },
      conflict: { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError(USAGE);
    const volume = positionals[0] as string;
    if (values.copy !== undefined && values.copy !== 'new' && values.copy !== 'all') throw new UsageError(`--copy is "new" or "all". ${USAGE}`);
    const conflict = values.conflict;
    if (conflict !== undefined && conflict !== 'keep-both' && conflict !== 'overwrite' && conflict !== 'skip') {
      throw new UsageError(`--conflict is keep-both, overwrite or skip. ${USAGE}`);
    }
    if (conflict !== undefined && values.copy !== 'all') throw new UsageError('--conflict applies to --copy all (new files never conflict).');
    const image = values.image;
    const comparison = await ctx.call('compareTutorials', { volume, ...(image ? { image } : {}) });
    if (values.copy === undefined) {
      if (values.json) ctx.io.out(`${JSON.stringify(comparison, null, 2)}\n`);
      else printComparison(ctx.io.out, comparison);
      return EXIT.OK;
    }
    const paths = comparison.files
      .filter((f) => f.blocked === null && (f.state === 'new' || (values.copy === 'all' && f.state === 'differs')))
      .map((f) => f.path);
    if (paths.length === 0) {
      const empty: TutorialsCopyResult = { volume, image: comparison.image, copied: [], skipped: [], notes: [], uid: comparison.uid, gid: comparison.gid };
      if (values.json) ctx.io.out(`${JSON.stringify(empty, null, 2)}\n`);
      else ctx.io.out(`Nothing to copy: ${values.copy === 'new' ? 'no new files' : 'no new or changed files'} in ${comparison.image} for volume ${volume}.\n`);
      return EXIT.OK;
    }
    // The image the comparison chose, so a newer tag pulled meanwhile cannot change which image the copy reads.
    const result = await ctx.call('copyTutorials', { volume, image: comparison.image, paths, conflict: conflict ?? 'keep-both' });
    if (values.json) ctx.io.out(`${JSON.stringify(result, null, 2)}\n`);
    else printCopy(ctx.io.out, result);
    return EXIT.OK;
  },
};

export const tutorialCommands: CliCommand[] = [tutorials];
