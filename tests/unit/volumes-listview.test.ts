import { describe, expect, it } from 'vitest';
import type { VolumeSummary } from '../../shared/contract/volumes';
import { volumeSummary } from '../support/volumeSummary';
import { cleanupCandidates, countByFilter, matchesQuery, removalSentence, visibleVolumes } from '../../renderer/src/features/volumes/listView';

const vol = volumeSummary;

const user = { id: 'c1', name: 'lab', state: 'running', running: true, image: 'exasol/ai-lab', aiLab: true, mountPath: '/n' };
const HEX = 'f'.repeat(64);
const list = [
  vol('notebooks', { createdAt: '2024-03-01T00:00:00Z', labels: { team: 'analytics' }, containers: [user] }),
  vol('Notebooks-10', { createdAt: '2024-01-01T00:00:00Z' }),
  vol('notebooks-9', { createdAt: '2024-02-01T00:00:00Z' }),
  vol('proj_data', { labels: { 'com.docker.compose.project': 'proj', 'com.docker.compose.volume': 'data' }, compose: { project: 'proj', volume: 'data' } }),
  vol(HEX, { anonymous: true }),
];

describe('volume list view', () => {
  it('searches names, labels and the Compose pair; every term must match', () => {
    expect(matchesQuery(list[0] as VolumeSummary, 'team=analytics')).toBe(true);
    expect(matchesQuery(list[0] as VolumeSummary, 'NOTE analytics')).toBe(true);
    expect(matchesQuery(list[0] as VolumeSummary, 'note science')).toBe(false);
    expect(matchesQuery(list[3] as VolumeSummary, 'proj / data')).toBe(true);
    expect(matchesQuery(list[3] as VolumeSummary, '   ')).toBe(true);
  });

  it('filters by use and anonymity and counts each filter', () => {
    const names = (f: Parameters<typeof visibleVolumes>[1]['filter']) =>
      visibleVolumes(list, { query: '', filter: f, sort: { key: 'name', dir: 'asc' }, sizes: {} }).map((v) => v.name);
    expect(names('in-use')).toEqual(['notebooks']);
    expect(names('anonymous')).toEqual([HEX]);
    expect(names('unused')).toHaveLength(4);
    expect(countByFilter(list)).toEqual({ all: 5, 'in-use': 1, unused: 4, anonymous: 1 });
    expect(cleanupCandidates(list).map((v) => v.name)).toEqual([HEX]);
  });

  it('sorts names naturally and case-insensitively, dates and sizes with unknowns last', () => {
    const sort = (key: 'name' | 'created' | 'size', dir: 'asc' | 'desc', sizes = {}) =>
      visibleVolumes(list, { query: '', filter: 'all', sort: { key, dir }, sizes }).map((v) => v.name);
    expect(sort('name', 'asc')).toEqual([HEX, 'notebooks', 'notebooks-9', 'Notebooks-10', 'proj_data']);
    expect(sort('created', 'desc').slice(0, 3)).toEqual(['notebooks', 'notebooks-9', 'Notebooks-10']);
    expect(sort('created', 'asc').slice(0, 3)).toEqual(['Notebooks-10', 'notebooks-9', 'notebooks']);
    const sizes = { proj_data: { size: 5, refCount: 0 }, 'notebooks-9': { size: 500, refCount: 0 } };
    expect(sort('size', 'desc', sizes).slice(0, 2)).toEqual(['notebooks-9', 'proj_data']);
    expect(sort('size', 'asc', sizes).slice(0, 2)).toEqual(['proj_data', 'notebooks-9']);
  });
});

describe('the Remove dialog says only what will happen', () => {
  it('never says a kept volume is deleted', () => {
    expect(removalSentence([], ['nc-data'])).toBe('Nothing is deleted while “nc-data” is in use.');
    expect(removalSentence([], ['a', 'b'])).toBe('Nothing is deleted while “a”, “b” are in use.');
    expect(removalSentence(['old'], ['nc-data'])).toBe(
      'Volume “old” and every file in it will be deleted. “nc-data” is kept: still in use. This cannot be undone; back up first if you may need the files.',
    );
    expect(removalSentence(['a', 'b'], [])).toBe(
      'The volumes “a”, “b” and every file in them will be deleted. This cannot be undone; back up first if you may need the files.',
    );
    expect(removalSentence([], [])).toBeNull();
  });
});
