/**
 * GNU tar's verbose output, as the tar engine streams it. With `-vv` each entry is a long listing
 * (`-rw-r--r-- root/root 1234 2024-05-01 12:00 ./a.txt`), which gives the size for byte progress;
 * with `-v` (or BusyBox) it is just the name. Names are escaped by tar (`\303\274` for "ü" in the C
 * locale, `\n`, `\\`); they are decoded back to text for display.
 */
export interface VerboseEntry {
  kind: 'entry';
  path: string;
  /** '-' file, 'd' folder, 'l' symlink, 'h' hardlink, ... ; null for a bare name. */
  type: string | null;
  /** Content size; null when the line had none (bare name, devices). */
  size: number | null;
  linkTarget: string | null;
}

export interface VerboseMessage {
  kind: 'message';
  /** tar's own diagnostics ("tar: ./x: file changed as we read it"). */
  text: string;
}

const LONG = /^([-hdlcbpsCDMnNSV?])[-rwxsStTlL.+]{9}[.+@]?\s+\S+\s+(\d+|\d+,\s*\d+)\s+\d{4}-\d\d-\d\d\s+\d\d:\d\d(?::\d\d)?\s(.*)$/;

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '?': 63, '"': 34, "'": 39, ' ': 32 };

export function unescapeTarName(s: string): string {
  if (!s.includes('\\')) return s;
  const bytes: number[] = [];
  const raw = Buffer.from(s, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as number;
    if (c !== 92 || i + 1 >= raw.length) {
      bytes.push(c);
      continue;
    }
    const next = String.fromCharCode(raw[i + 1] as number);
    const oct = /^[0-7]{3}$/.test(raw.subarray(i + 1, i + 4).toString('latin1')) ? raw.subarray(i + 1, i + 4).toString('latin1') : null;
    if (oct) {
      bytes.push(parseInt(oct, 8) & 0xff);
      i += 3;
    } else if (next in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[next] as number);
      i += 1;
    } else {
      bytes.push(c);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export function parseVerboseLine(line: string): VerboseEntry | VerboseMessage | null {
  if (line.length === 0) return null;
  if (/^(tar|gzip|busybox|sh|\/bin\/sh):\s/.test(line)) return { kind: 'message', text: line };
  const m = LONG.exec(line);
  if (!m) return { kind: 'entry', path: unescapeTarName(line), type: null, size: null, linkTarget: null };
  const type = m[1] as string;
  const sizeField = m[2] as string;
  let rest = m[3] as string;
  let linkTarget: string | null = null;
  if (type === 'l') {
    const at = rest.indexOf(' -> ');
    if (at >= 0) {
      linkTarget = unescapeTarName(rest.slice(at + 4));
      rest = rest.slice(0, at);
    }
  } else if (type === 'h') {
    const at = rest.indexOf(' link to ');
    if (at >= 0) {
      linkTarget = unescapeTarName(rest.slice(at + 9));
      rest = rest.slice(0, at);
    }
  }
  const size = sizeField.includes(',') || type !== '-' ? 0 : Number(sizeField);
  return { kind: 'entry', path: unescapeTarName(rest), type, size, linkTarget };
}
