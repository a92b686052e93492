import { z } from 'zod';

/** Docker's own rule for volume names (daemon/names: RestrictedNamePattern). */
export const VOLUME_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export const VOLUME_NAME_RULE =
  'A volume name is at least 2 characters: letters, digits, "_", "." or "-", and starts with a letter or digit.';

/** Returns a message that says what is wrong with a volume name, or null when it is valid. */
export function checkVolumeName(name: string): string | null {
  if (name.length === 0) return 'Enter a volume name.';
  if (name.length > 255) return 'A volume name is at most 255 characters.';
  if (!/^[a-zA-Z0-9]/.test(name)) return `"${name.slice(0, 1)}" cannot start a volume name. ${VOLUME_NAME_RULE}`;
  if (name.length < 2) return VOLUME_NAME_RULE;
  const bad = [...name].find((c) => !/[a-zA-Z0-9_.-]/.test(c));
  if (bad !== undefined) return `"${bad}" is not allowed in a volume name. ${VOLUME_NAME_RULE}`;
  return null;
}

export const volumeNameSchema = z.string().superRefine((name, ctx) => {
  const problem = checkVolumeName(name);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

/** Labels as Docker accepts them; keys non-empty, bounded so a hostile renderer cannot send megabytes. */
export const labelsSchema = z.record(z.string().min(1).max(512), z.string().max(4096)).refine(
  (l) => Object.keys(l).length <= 100,
  'At most 100 labels.',
);
