import { describe, expect, it } from 'vitest';
import { draftOf, draftProblems, newDraft, planOf, sftpOf, type PlanDraft } from '../../renderer/src/features/plans/planForm';
import { keep, planFor } from '../support/plans';

const withSftp = (over: Partial<PlanDraft> = {}): PlanDraft => ({ ...newDraft('/b'), sftpOn: true, ...over });

describe('the plan form: the copy to an SFTP server', () => {
  it('is off by default, and its text is ignored while off', () => {
    expect(newDraft('/b')).toMatchObject({ sftpOn: false, sftpTarget: '', sftpKey: '' });
    const d = { ...newDraft('/b'), sftpTarget: 'not a target' };
    expect(draftProblems(d)).toEqual({});
    expect(planOf('notebooks', d)).not.toHaveProperty('sftp');
  });

  it('parses user@host:port/folder into the plan, the key file or null for the agent', () => {
    expect(planOf('notebooks', withSftp({ sftpTarget: ' backup@nas.local:2222/srv/ailab/ ' }))?.sftp).toEqual({
      host: 'nas.local',
      port: 2222,
      user: 'backup',
      path: '/srv/ailab',
      keyFile: null,
    });
    expect(planOf('notebooks', withSftp({ sftpTarget: 'sftp://me@[::1]/x', sftpKey: '/home/me/.ssh/id_ed25519' }))?.sftp).toEqual({
      host: '::1',
      port: 22,
      user: 'me',
      path: '/x',
      keyFile: '/home/me/.ssh/id_ed25519',
    });
  });

  it("says what is wrong with the target in the dialog's words, without the CLI's option name", () => {
    expect(draftProblems(withSftp())).toEqual({
      sftpTarget: 'Name the server and folder. Write it as user@host:port/folder, e.g. backup@nas.local:22/srv/ailab-backups.',
    });
    expect(draftProblems(withSftp({ sftpTarget: 'nas.local:22/srv' })).sftpTarget).toBe(
      'Name the user (user@host…). Write it as user@host:port/folder, e.g. backup@nas.local:22/srv/ailab-backups.',
    );
    expect(draftProblems(withSftp({ sftpTarget: 'me@nas:99999/srv' })).sftpTarget).toMatch(/^The port must be 1-65535, not 99999\. Write it as/);
    expect(draftProblems(withSftp({ sftpTarget: 'me@nas:22' })).sftpTarget).toMatch(/^Give the remote folder as an absolute path after the host/);
    expect(draftProblems(withSftp({ sftpTarget: 'me@[::1:22/x' })).sftpTarget).toMatch(/^An IPv6 address needs its closing \]/);
    expect(draftProblems(withSftp({ sftpTarget: 'me@nas/x' }))).toEqual({});
    expect(planOf('notebooks', withSftp({ sftpTarget: 'nas:22/srv' }))).toBeNull();
  });

  it('wants the key file as a full path', () => {
    const d = withSftp({ sftpTarget: 'me@nas/x', sftpKey: '.ssh/id_ed25519' });
    expect(draftProblems(d)).toEqual({ sftpKey: 'Give the key file as a full path, e.g. /home/me/.ssh/id_ed25519.' });
    expect(sftpOf(d).target).toBeNull();
    expect(planOf('notebooks', d)).toBeNull();
  });

  it("shows a plan's target back when editing it, and makes the same plan again", () => {
    const plan = planFor('notebooks', '/b', {
      schedule: { every: 'day', at: '02:00' },
      retention: keep({ keepDaily: 7, keepWeekly: 4, keepMonthly: 6 }),
      sftp: { host: 'nas.local', port: 22, user: 'backup', path: '/srv/ailab', keyFile: '/k/id' },
    });
    expect(draftOf(plan)).toMatchObject({ sftpOn: true, sftpTarget: 'backup@nas.local:22/srv/ailab', sftpKey: '/k/id' });
    expect(planOf('notebooks', draftOf(plan))).toEqual(plan);
    const { sftp: _none, ...local } = plan;
    expect(draftOf(local)).toMatchObject({ sftpOn: false, sftpTarget: '', sftpKey: '' });
    expect(planOf('notebooks', draftOf(local))).toEqual(local);
  });
});
