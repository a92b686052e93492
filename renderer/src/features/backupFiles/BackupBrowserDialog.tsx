import { Dialog } from '../../components/Dialog';
import { ArchiveFiles } from './ArchiveFiles';
import { CompareView } from './CompareView';
import { useBackupFiles, type BrowserTab, type OpenBackup } from './store';

const TABS: Array<{ tab: BrowserTab; label: (volume: string) => string }> = [
  { tab: 'files', label: () => 'Files' },
  { tab: 'compare', label: (v) => `Compare with ${v} now` },
];

/** One backup, opened: its files (choose some to restore) or its differences from the volume now. */
export function BackupBrowserDialog(props: { backup: OpenBackup & { tab: BrowserTab } }) {
  const { backup } = props;
  const store = useBackupFiles.getState();
  return (
    <Dialog title={`Backup ${backup.fileName}`} onClose={store.closeBrowser} className="bf-dialog">
      <div role="tablist" aria-label="View" className="bf-tabs">
        {TABS.map((t) => (
          <button
            key={t.tab}
            role="tab"
            type="button"
            id={`bf-tab-${t.tab}`}
            aria-selected={backup.tab === t.tab}
            aria-controls={`bf-panel-${t.tab}`}
            tabIndex={backup.tab === t.tab ? 0 : -1}
            className="btn btn-ghost bf-tab"
            onClick={() => store.setTab(t.tab)}
            onKeyDown={(e) => {
              if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
              e.preventDefault();
              const next = TABS[(TABS.findIndex((x) => x.tab === backup.tab) + 1) % TABS.length]?.tab ?? 'files';
              store.setTab(next);
              document.getElementById(`bf-tab-${next}`)?.focus();
            }}
          >
            {t.label(backup.volume)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`bf-panel-${backup.tab}`} aria-labelledby={`bf-tab-${backup.tab}`}>
        {backup.tab === 'files' ? <ArchiveFiles backup={backup} /> : <CompareView backup={backup} />}
      </div>
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={store.closeBrowser}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
