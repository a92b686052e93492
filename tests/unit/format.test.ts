import { describe, expect, it } from 'vitest';
import {
  formatAgo,
  formatBytes,
  formatCount,
  formatDuration,
  formatTimestamp,
  formatUptime,
  hintBeyond,
  plural,
  UPTIME_UNITS_COMPACT,
} from '../../shared/format';

describe('shared/format', () => {
  it('formats sizes like docker system df', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(120_000)).toBe('120 kB');
    expect(formatBytes(2_448_000)).toBe('2.4 MB');
    expect(formatBytes(9_960_000)).toBe('10 MB');
    expect(formatBytes(152_400_000)).toBe('152 MB');
    expect(formatBytes(12_400_000_000)).toBe('12 GB');
    // Never "1000 kB".
    expect(formatBytes(999_600)).toBe('1.0 MB');
    expect(formatBytes(null)).toBe('—');
    expect(formatBytes(undefined)).toBe('—');
    expect(formatBytes(undefined, '-')).toBe('-');
  });

  it('counts with the noun in the right number', () => {
    expect(plural(1, 'symlink')).toBe('1 symlink');
    expect(plural(0, 'symlink')).toBe('0 symlinks');
    expect(plural(1234, 'entry', 'entries')).toBe('1,234 entries');
    expect(formatCount(null)).toBe('—');
    expect(formatDuration(61_000)).toBe('1:01');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
  });

  it('says a sentence once: a hint loses what the message already says', () => {
    expect(hintBeyond('The file is truncated. Nothing was changed.', 'Nothing was changed. Choose another file, or make a new backup.')).toBe(
      'Choose another file, or make a new backup.',
    );
    expect(hintBeyond('Truncated. Nothing was changed.', 'Nothing was changed.')).toBeUndefined();
    expect(hintBeyond('No volume x.', 'Check the name.')).toBe('Check the name.');
    expect(hintBeyond('No volume x.', undefined)).toBeUndefined();
  });

  it('prints uptimes a person reads at a glance, compact for the CLI table and spaced for the panel', () => {
    const start = '2024-05-01T10:00:00Z';
    const t = Date.parse(start);
    expect(formatUptime(start, t + 42_000, UPTIME_UNITS_COMPACT)).toBe('42s');
    expect(formatUptime(start, t + 5 * 60_000, UPTIME_UNITS_COMPACT)).toBe('5m');
    expect(formatUptime(start, t + 3 * 3600_000 + 7 * 60_000, UPTIME_UNITS_COMPACT)).toBe('3h 7m');
    expect(formatUptime(start, t + 50 * 3600_000, UPTIME_UNITS_COMPACT)).toBe('2d 2h');
    expect(formatUptime(null, t, UPTIME_UNITS_COMPACT)).toBe('');
    expect(formatUptime(start, t + 42_000)).toBe('42 s');
    expect(formatUptime(start, t + 5 * 60_000)).toBe('5 min');
    expect(formatUptime(start, t + 3 * 3600_000 + 7 * 60_000)).toBe('3 h 7 min');
    expect(formatUptime(start, t + 50 * 3600_000)).toBe('2 d 2 h');
    // A clock a little behind the engine's never shows a negative uptime.
    expect(formatUptime(start, t - 5_000)).toBe('0 s');
  });

  it('prints timestamps as local "YYYY-MM-DD HH:MM", and keeps text that is not a date', () => {
    const d = new Date(2024, 4, 1, 14, 3, 59);
    expect(formatTimestamp(d.toISOString())).toBe('2024-05-01 14:03');
    expect(formatTimestamp('not a date')).toBe('not a date');
    expect(formatTimestamp(null)).toBe('');
  });

  it('says how long ago, in the largest unit that fits', () => {
    const now = Date.parse('2024-05-10T12:00:00Z');
    const ago = (ms: number) => formatAgo(new Date(now - ms).toISOString(), now);
    const rel = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
    expect(ago(30_000)).toBe(rel.format(-30, 'second'));
    expect(ago(5 * 60_000)).toBe(rel.format(-5, 'minute'));
    expect(ago(3 * 86_400_000)).toBe(rel.format(-3, 'day'));
    expect(ago(400 * 86_400_000)).toBe(rel.format(-1, 'year'));
    expect(formatAgo('garbage', now)).toBe('garbage');
    expect(formatAgo(null, now)).toBe('');
  });
});
