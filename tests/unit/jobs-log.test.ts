import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobHistoryEntry } from '../../shared/contract/jobs';
import { HISTORY_CAP, JobHistory } from '../../electron/services/jobs/history';
import {
  JobLog,
  LOG_HEAD_BYTES,
  LOG_RETENTION_GRACE_MS,
  LOG_TAIL_BYTES,
  LOG_TAIL_LINES,
  MAX_LINE_CHARS,
  pruneJobLogs,
} from '../../electron/services/jobs/jobLog';
import { LogBuffer, MAX_LOG_LINES } from '../../renderer/src/features/jobs/logBuffer';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-jobs-unit-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  vi.useRealTimers();
});

describe('JobLog', () => {
  it('keeps every line on disk, the last 2,000 in memory, and sends batches with their line numbers', async () => {
    vi.useFakeTimers();
    const sent: Array<{ from: number; lines: string[] }> = [];
    const file = path.join(tmp(), 'jobs', 'job-x.log');
    const log = new JobLog(file, (from, lines) => sent.push({ from, lines }), 100);
    for (let i = 0; i < 10_000; i++) log.line(`./f${i}`);
    vi.advanceTimersByTime(100);
    // A burst is not sent whole: the tail goes on the wire, the rest is in the file.
    expect(sent.length).toBe(1);
    expect(sent[0]?.lines.length).toBeLessThanOrEqual(2000);
    expect(sent[0]?.from).toBe(10_000 - (sent[0]?.lines.length ?? 0));
    expect(sent[0]?.lines.at(-1)).toBe('./f9999');
    const snap = log.snapshot();
    expect(snap.log.length).toBe(LOG_TAIL_LINES);
    expect(snap.logFrom).toBe(10_000 - LOG_TAIL_LINES);
    vi.useRealTimers();
    await log.close();
    expect(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length).toBe(10_000);
  });
});

describe('JobLog limits', () => {
  it('keeps the head and the tail of a huge log on disk and says how many lines were left out', async () => {
    const file = path.join(tmp(), 'jobs', 'job-big.log');
    const log = new JobLog(file, () => undefined, 100);
    const total = 200_000;
    // What a tar error per made-up folder looked like: one long complaint per line.
    for (let i = 0; i < total; i++) log.line(`tar: ./a/a/a/${i}: Cannot mkdir: File name too long ${'x'.repeat(80)}`);
    await log.close();
    const size = fs.statSync(file).size;
    expect(size).toBeLessThanOrEqual(LOG_HEAD_BYTES + LOG_TAIL_BYTES + 100);
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toContain('./a/a/a/0:');
    expect(lines.at(-1)).toContain(`./a/a/a/${total - 1}:`);
    const marker = lines.find((l) => /^\[… \d+ lines left out …\]$/.test(l));
    expect(marker).toBeDefined();
    const leftOut = Number(/(\d+)/.exec(marker as string)?.[1]);
    expect(leftOut).toBe(log.linesLeftOut);
    expect(lines.length - 1 + leftOut).toBe(total);
    expect(log.lineCount).toBe(total);
  });

  it('cuts a very long line, saying how much was left out', async () => {
    const file = path.join(tmp(), 'jobs', 'job-long.log');
    const log = new JobLog(file, () => undefined, 100);
    log.line(`tar: ${'a/'.repeat(32_768)}f: Cannot open: File name too long`);
    log.line('next');
    await log.close();
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines[0]?.length).toBeLessThan(MAX_LINE_CHARS + 80);
    expect(lines[0]).toMatch(/… \(\d+ more characters left out\)$/);
    expect(lines[1]).toBe('next');
    expect(log.snapshot().log[0]?.length).toBeLessThan(MAX_LINE_CHARS + 80);
  });

  it('removes the logs of jobs the history no longer lists, once they are a day old', async () => {
    const dir = tmp();
    const now = Date.now();
    const old = new Date(now - LOG_RETENTION_GRACE_MS - 60_000);
    for (const name of ['job-kept.log', 'job-gone.log', 'job-fresh.log', 'history.json', 'other.txt']) fs.writeFileSync(path.join(dir, name), 'x');
    for (const name of ['job-kept.log', 'job-gone.log', 'history.json', 'other.txt']) fs.utimesSync(path.join(dir, name), old, old);
    expect(await pruneJobLogs(dir, new Set(['job-kept']), now)).toBe(1);
    expect(fs.readdirSync(dir).sort()).toEqual(['history.json', 'job-fresh.log', 'job-kept.log', 'other.txt']);
    await expect(pruneJobLogs(path.join(dir, 'missing'), new Set())).resolves.toBe(0);
  });
});

describe('JobHistory', () => {
  const entry = (i: number): JobHistoryEntry => ({
    id: `job-${i}`,
    kind: 'backup',
    engine: 'fast',
    volume: 'v',
    file: `/b/${i}.tgz`,
    mode: null,
    status: 'succeeded',
    startedAt: i,
    finishedAt: i + 1,
    durationMs: 1,
    entries: 1,
    totalBytes: 1,
    compressedBytes: 1,
    sha256: null,
    safetyBackup: null,
    error: null,
  });

  it('is newest first, capped, and survives a restart; a corrupt file means an empty history', async () => {
    const file = path.join(tmp(), 'history.json');
    const h = new JobHistory(file);
    for (let i = 0; i < HISTORY_CAP + 5; i++) await h.add(entry(i));
    const again = await new JobHistory(file).list();
    expect(again.length).toBe(HISTORY_CAP);
    expect(again[0]?.id).toBe(`job-${HISTORY_CAP + 4}`);
    // Another process (the CLI beside the desktop app) writing to the same history loses nothing.
    const other = new JobHistory(file);
    await other.add(entry(1000));
    await h.add(entry(1001));
    expect((await h.list()).slice(0, 2).map((e) => e.id)).toEqual(['job-1001', 'job-1000']);
    fs.writeFileSync(file, '{ not json');
    expect(await new JobHistory(file).list()).toEqual([]);
  });
});

describe('the page log buffer', () => {
  it('appends streamed chunks, skips what a replay already holds, and stays bounded', () => {
    const b = new LogBuffer();
    b.replace(['l0', 'l1', 'l2'], 0);
    b.append({ jobId: 'j', from: 1, lines: ['l1', 'l2', 'l3'] });
    expect(b.lines).toEqual(['l0', 'l1', 'l2', 'l3']);
    b.append({ jobId: 'j', from: 10, lines: ['l10'] });
    expect(b.lines.at(-2)).toMatch(/6 lines not shown/);
    for (let i = 0; i < MAX_LOG_LINES * 2; i++) b.append({ jobId: 'j', from: 11 + i, lines: [`x${i}`] });
    expect(b.lines.length).toBe(MAX_LOG_LINES);
    expect(b.lines.at(-1)).toBe(`x${MAX_LOG_LINES * 2 - 1}`);
  });
});
