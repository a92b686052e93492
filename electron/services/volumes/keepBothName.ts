/**
 * The name a "keep both" copy gets beside the file it would have replaced (issue 15): the label goes
 * before the extension, so the copy still opens with the same program and sorts next to the original:
 * `a.ipynb` → `a (backup 2026-12-01 10-00).ipynb`, then `a (backup 2026-12-01 10-00 2).ipynb` when that is
 * taken too. A leading dot is part of the stem (`.bashrc (copy)`), not an extension.
 */
export function keepBothName(name: string, label: string, taken: (candidate: string) => boolean): string {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 1; ; n++) {
    const candidate = `${stem} (${label}${n === 1 ? '' : ` ${n}`})${ext}`;
    if (!taken(candidate)) return candidate;
  }
}

/** The label of a backup's copies: its time, local, to the minute, with no character a file name cannot hold. */
export function backupLabel(createdAt: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `backup ${createdAt.getFullYear()}-${p(createdAt.getMonth() + 1)}-${p(createdAt.getDate())} ${p(createdAt.getHours())}-${p(createdAt.getMinutes())}`;
}
