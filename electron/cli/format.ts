// Commands take all their formatting from here; what the renderer formats the same way is in shared/format.ts.
export * from '../../shared/format';

/** A plain-text table like `docker volume ls` prints: columns padded, no borders. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** Control characters in names (a file may be called "a\nb") would break a table; show them escaped. */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** "k=v, k2=v2". */
export function formatLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
    .join(', ');
}

/**
 * How every list command prints: the JSON a script asked for, else one line saying there is nothing
 * (and how to make something), else a table.
 */
export function printList<T>(out: (text: string) => void, list: T[], o: { json: boolean; empty: string; header: string[]; row: (item: T) => string[] }): void {
  if (o.json) out(`${JSON.stringify(list, null, 2)}\n`);
  else if (list.length === 0) out(`${o.empty}\n`);
  else out(formatTable(o.header, list.map(o.row)));
}
