import { z } from 'zod';

/** Docker's own rule for the names of volumes and containers (daemon/names: RestrictedNamePattern). */
export const DOCKER_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
export const VOLUME_NAME_PATTERN = DOCKER_NAME_PATTERN;

const nameRule = (what: string) => `A ${what} name is at least 2 characters: letters, digits, "_", "." or "-", and starts with a letter or digit.`;
export const VOLUME_NAME_RULE = nameRule('volume');
export const CONTAINER_NAME_RULE = nameRule('container');

/** Docker's name rule, with a message that says what is wrong (null when the name is valid). */
function checkDockerName(name: string, what: 'volume' | 'container', max: number, rule: string): string | null {
  if (name.length === 0) return `Enter a ${what} name.`;
  if (name.length > max) return `A ${what} name is at most ${max} characters.`;
  if (!/^[a-zA-Z0-9]/.test(name)) return `"${name.slice(0, 1)}" cannot start a ${what} name. ${rule}`;
  if (name.length < 2) return rule;
  const bad = [...name].find((c) => !/[a-zA-Z0-9_.-]/.test(c));
  if (bad !== undefined) return `"${bad}" is not allowed in a ${what} name. ${rule}`;
  return null;
}

/** Returns a message that says what is wrong with a volume name, or null when it is valid. */
export function checkVolumeName(name: string): string | null {
  return checkDockerName(name, 'volume', 255, VOLUME_NAME_RULE);
}

/** Returns a message that says what is wrong with a container name, or null when it is valid. */
export function checkContainerName(name: string): string | null {
  return checkDockerName(name, 'container', 128, CONTAINER_NAME_RULE);
}

export const containerNameSchema = z.string().superRefine((name, ctx) => {
  const problem = checkContainerName(name);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

export const volumeNameSchema = z.string().superRefine((name, ctx) => {
  const problem = checkVolumeName(name);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

/** Labels as Docker accepts them; keys non-empty, bounded so a hostile renderer cannot send megabytes. */
export const labelsSchema = z.record(z.string().min(1).max(512), z.string().max(4096)).refine((l) => Object.keys(l).length <= 100, 'At most 100 labels.');

// An image reference as Docker parses it (github.com/distribution/reference, regexp.go):
// [domain[:port]/]path[:tag][@digest], the path lowercase. Checked before the string reaches the Engine's
// API (a create, an inspect, a pull's query string) and before it is stored in the settings.
const ALNUM = '[a-z0-9]+';
const PATH_COMPONENT = `${ALNUM}(?:(?:[._]|__|-+)${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const IMAGE_REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);
/** Docker's limit on the name part (NameTotalLengthMax). */
const IMAGE_NAME_MAX = 255;

export const IMAGE_REFERENCE_RULE = 'An image is name[:tag] or name@sha256:…, e.g. ubuntu, ubuntu:24.04 or exasol/ai-lab:latest.';

/** Returns a message that says what is wrong with an image reference, or null when Docker would accept it. */
export function checkImageReference(ref: string): string | null {
  if (ref.length === 0) return `Enter an image. ${IMAGE_REFERENCE_RULE}`;
  const bad = [...ref].find((c) => !/[A-Za-z0-9._\-/:@[\]]/.test(c));
  if (bad !== undefined) return `${JSON.stringify(bad)} is not allowed in an image reference. ${IMAGE_REFERENCE_RULE}`;
  const name = ref.replace(/@.*$/, '').replace(/:[\w][\w.-]*$/, '');
  if (name.length > IMAGE_NAME_MAX) return `An image name is at most ${IMAGE_NAME_MAX} characters.`;
  if (IMAGE_REFERENCE.test(ref)) return null;
  const path = name.includes('/') && /[.:]|^localhost\//.test(name.slice(0, name.indexOf('/'))) ? name.slice(name.indexOf('/') + 1) : name;
  if (/[A-Z]/.test(path)) return `"${ref}" has capital letters; Docker image names are lowercase. ${IMAGE_REFERENCE_RULE}`;
  return `"${ref}" is not an image reference. ${IMAGE_REFERENCE_RULE}`;
}

export const imageReferenceSchema = z.string().superRefine((ref, ctx) => {
  const problem = checkImageReference(ref);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});
