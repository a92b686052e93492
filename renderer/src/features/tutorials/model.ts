import type { TutorialFile, TutorialsComparison } from '../../../../shared/contract/tutorials';

export interface TutorialGroups {
  new: TutorialFile[];
  differs: TutorialFile[];
  unchanged: TutorialFile[];
}

export function groupTutorials(c: TutorialsComparison): TutorialGroups {
  return {
    new: c.files.filter((f) => f.state === 'new'),
    differs: c.files.filter((f) => f.state === 'differs'),
    unchanged: c.files.filter((f) => f.state === 'unchanged'),
  };
}

/** What is ticked when a comparison arrives: the new files that can be copied, nothing the user has. */
export function initialChoice(c: TutorialsComparison): Set<string> {
  return new Set(c.files.filter((f) => f.state === 'new' && f.blocked === null).map((f) => f.path));
}

/** Why a file differs, in the user's words. */
export function originWords(f: TutorialFile): string {
  if (f.blocked !== null) return f.blocked;
  switch (f.origin) {
    case 'updated-upstream':
      return `updated upstream — yours is ${f.matchesImages[0] ?? 'an older image'}'s version, never edited`;
    case 'edited':
      return 'edited by you (or from an image no longer here)';
    case 'not-a-file':
      return 'a folder or link holds the name';
    default:
      return '';
  }
}
