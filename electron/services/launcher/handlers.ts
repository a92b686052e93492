import type { Handlers } from '../../../shared/contract';
import type { launcherMethods } from '../../../shared/contract/launcher';
import type { LauncherService } from './launcherService';

export function launcherHandlers(launcher: LauncherService): Pick<Handlers, keyof typeof launcherMethods> {
  return {
    listAiLabImages: () => launcher.listImages(),
    inspectAiLabImage: (image) => launcher.inspectImage(image),
    checkAiLabPort: (port, listenIp) => launcher.checkPort(port, listenIp),
    checkAiLabLaunch: (draft) => launcher.checkLaunch(draft),
    launchAiLab: (launchId, opts) => launcher.launch(launchId, opts),
    cancelAiLabLaunch: async (launchId) => launcher.cancelLaunch(launchId),
    listAiLabContainers: () => launcher.listContainers(),
    startAiLabContainer: (ref) => launcher.startContainer(ref),
    stopAiLabContainer: (ref) => launcher.stopContainer(ref),
    restartAiLabContainer: (ref) => launcher.restartContainer(ref),
    removeAiLabContainer: (ref, opts) => launcher.removeContainer(ref, opts),
    openAiLab: (ref) => launcher.open(ref),
    getAiLabLogs: (ref, opts) => launcher.logs(ref, opts),
    followAiLabLogs: (followId, ref, opts) => launcher.followLogs(followId, ref, opts),
    stopFollowingAiLabLogs: async (followId) => launcher.stopFollowingLogs(followId),
    listAiLabUpgradeImages: (ref) => launcher.listUpgradeImages(ref),
    planAiLabUpgrade: (ref, image) => launcher.planUpgrade(ref, image),
    upgradeAiLab: (upgradeId, opts) => launcher.upgrade(upgradeId, opts),
    listPendingAiLabUpgrades: () => launcher.listPendingUpgrades(),
    keepAiLabUpgrade: (ref) => launcher.keepUpgrade(ref),
    rollBackAiLabUpgrade: (rollbackId, ref, opts) => launcher.rollBackUpgrade(rollbackId, ref, opts.keepScs === true),
  };
}
