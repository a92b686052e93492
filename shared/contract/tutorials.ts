import { z } from 'zod';
import { method } from './define';
import { imageReferenceSchema, volumeNameSchema } from './validation';

/**
 * Fresh tutorials (issue 18): a new AI-Lab image ships its tutorials in its notebook-defaults folder,
 * and AI-Lab's entrypoint only copies the ones missing from the volume. This domain compares a volume
 * with an image's defaults (read from the image without starting it) and copies chosen ones in.
 * Paths are relative to the notebooks folder (the volume's root), `/`-separated.
 */

/** `new`: not in the volume; `unchanged`: the same bytes; `differs`: something else under that name. */
export type TutorialState = 'new' | 'unchanged' | 'differs';

/**
 * Why a file differs, when that can be told: `updated-upstream` when the volume's copy is exactly the
 * version an older local AI-Lab image shipped (the user never touched it); `edited` when it matches no
 * shipped version we know (the user's edits, or a version of an image no longer here); `not-a-file`
 * when a folder or a link holds the name.
 */
export type TutorialOrigin = 'updated-upstream' | 'edited' | 'not-a-file';

export type ConflictChoice = 'keep-both' | 'overwrite' | 'skip';
export const TUTORIAL_CONFLICT_CHOICES: readonly ConflictChoice[] = ['keep-both', 'overwrite', 'skip'];

export interface TutorialFile {
  path: string;
  /** The shipped file's size. */
  size: number;
  state: TutorialState;
  /** Only for `differs`. */
  origin: TutorialOrigin | null;
  /** For `updated-upstream`: the older image(s) whose shipped version the volume's copy equals. */
  matchesImages: string[];
  /** Why it cannot be copied in (a file or a link where a folder on its path must be); null when it can. */
  blocked: string | null;
  /** It is the Secure Configuration Storage file: never replaced by a copy. */
  scs: boolean;
}

export interface TutorialsComparison {
  volume: string;
  image: string;
  imageId: string;
  /** How the image was chosen: given by the caller, or the newest local AI-Lab image. */
  imageChosen: 'given' | 'newest-local';
  /** Where the image keeps its defaults, and how that was found. */
  defaultsPath: string;
  defaultsPathSource: string;
  /** Older images whose shipped versions were compared with the volume's copies (tags, or ids). */
  comparedWith: string[];
  /** By path. */
  files: TutorialFile[];
  counts: { new: number; unchanged: number; differs: number };
  /** Owner copies get (the notebooks folder's, i.e. the volume root's). */
  uid: number;
  gid: number;
}

export interface TutorialCopy {
  path: string;
  /** Where it landed: the same path, or a keep-both name beside the user's copy. */
  as: string;
  how: 'new' | 'keep-both' | 'overwrite';
}

export interface TutorialsCopyResult {
  volume: string;
  image: string;
  copied: TutorialCopy[];
  /** Not copied, each with why (unchanged, skip chosen, blocked, SCS kept, not shipped). */
  skipped: Array<{ path: string; reason: string }>;
  /** Things the user must know (the Secure Configuration Storage was kept and the copy put beside it). */
  notes: string[];
  uid: number;
  gid: number;
}

/** A path inside the volume / the defaults folder, as compareTutorials lists it. */
const tutorialPathSchema = z.string().min(1).max(4096);

export const compareTutorialsSchema = z
  .object({
    volume: volumeNameSchema,
    /** Default: the newest local AI-Lab image (exasol/ai-lab, by version). */
    image: imageReferenceSchema.optional(),
  })
  .strict();

export const copyTutorialsSchema = z
  .object({
    volume: volumeNameSchema,
    image: imageReferenceSchema.optional(),
    /** Chosen files (compareTutorials' paths). */
    paths: z.array(tutorialPathSchema).min(1).max(100_000),
    /** For files that differ: beside the user's copy (default), replace it, or leave it. */
    conflict: z.enum(['keep-both', 'overwrite', 'skip']).optional(),
  })
  .strict();

export type CompareTutorialsOptions = z.input<typeof compareTutorialsSchema>;
export type CopyTutorialsOptions = z.input<typeof copyTutorialsSchema>;

export const tutorialMethods = {
  /** Compares a volume with an image's notebook-defaults folder; nothing is started or changed. */
  compareTutorials: method<TutorialsComparison>()(z.tuple([compareTutorialsSchema])),
  /** Copies chosen shipped files into the volume (new ones as they are; changed ones per `conflict`). */
  copyTutorials: method<TutorialsCopyResult>()(z.tuple([copyTutorialsSchema])),
};

export const tutorialEvents = {};
