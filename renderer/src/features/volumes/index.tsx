import type { ReactNode } from 'react';

/** The Volumes page: the list, search, create, remove, details and file browser. */
export function VolumesPage(): ReactNode {
  return null;
}
