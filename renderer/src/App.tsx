import { AiLabPage } from './features/launcher';
import { GlobalArchiveDrop, JobsPage } from './features/jobs';
import { BackupFilesHost } from './features/backupFiles';
import { PlansHost } from './features/plans';
import { SettingsPage } from './features/settings/SettingsPage';
import { TutorialsHost } from './features/tutorials';
import { VolumesPage } from './features/volumes';
import { AppBanners } from './shell/AppBanners';
import { DockerStatusPill } from './shell/DockerStatusPill';
import { EnginePicker } from './shell/EnginePicker';
import { Tabs, type TabId } from './shell/Tabs';
import { useNavigation } from './shell/navigation';

const PAGES: Record<TabId, () => React.ReactNode> = {
  volumes: () => <VolumesPage />,
  ailab: () => <AiLabPage />,
  jobs: () => <JobsPage />,
  settings: () => <SettingsPage />,
};

export function App() {
  const tab = useNavigation((s) => s.tab);
  return (
    <GlobalArchiveDrop>
      <div className="app">
        <header className="app-header">
          <div className="app-title">
            <span className="app-logo" aria-hidden="true">
              AI
            </span>
            <h1 style={{ fontSize: 15 }}>AI-Lab Desktop</h1>
          </div>
          <Tabs />
          <div className="spacer" />
          <EnginePicker />
          <DockerStatusPill />
        </header>
        <AppBanners />
        <main className="app-main" id={`panel-${tab}`} role="tabpanel" aria-labelledby={`tab-${tab}`}>
          {PAGES[tab]()}
        </main>
      </div>
      <PlansHost />
      <BackupFilesHost />
      <TutorialsHost />
    </GlobalArchiveDrop>
  );
}
