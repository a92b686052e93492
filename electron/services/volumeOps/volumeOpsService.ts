import type { JobSummary } from '../../../shared/contract/jobs';
import type {
  CloneVolumeOptions,
  EmptyVolumeOptions,
  ExportVolumeOptions,
  ImportVolumeOptions,
  RenameVolumeOptions,
  TransferVolumeOptions,
  VolumeImageInfo,
} from '../../../shared/contract/volumeOps';
import type { CoreServices } from '../core/context';
import type { JobService } from '../jobs/jobService';
import { cloneVolume, renameVolume } from './cloneVolume';
import { emptyVolume } from './emptyVolume';
import { exportVolume, importVolume, inspectVolumeImage, listVolumeImages } from './volumeImage';
import { transferVolume } from './transferVolume';

/** What each operation is built from: the core's services and the jobs domain (every operation is a job). */
export interface VolumeOpsDeps {
  readonly core: CoreServices;
  readonly jobs: JobService;
  /** The process's environment: a transfer resolves its target context from it (DOCKER_CONFIG, HOME). */
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The volume operations of Docker Desktop and vackup (issue 16): clone, rename, empty, export to an
 * image and import from one, transfer to another engine. Each is a job of the jobs domain's manager
 * (progress, log, cancel, locks, history); each lives in its own module, this service only routes.
 */
export class VolumeOpsService {
  private readonly deps: VolumeOpsDeps;

  constructor(core: CoreServices, jobs: JobService, env: NodeJS.ProcessEnv = process.env) {
    this.deps = { core, jobs, env };
  }

  clone(opts: CloneVolumeOptions): Promise<JobSummary> {
    return cloneVolume(this.deps, opts);
  }

  rename(opts: RenameVolumeOptions): Promise<JobSummary> {
    return renameVolume(this.deps, opts);
  }

  empty(opts: EmptyVolumeOptions): Promise<JobSummary> {
    return emptyVolume(this.deps, opts);
  }

  exportToImage(opts: ExportVolumeOptions): Promise<JobSummary> {
    return exportVolume(this.deps, opts);
  }

  inspectImage(image: string): Promise<VolumeImageInfo> {
    return inspectVolumeImage(this.deps, image);
  }

  listImages(): Promise<VolumeImageInfo[]> {
    return listVolumeImages(this.deps);
  }

  importFromImage(opts: ImportVolumeOptions): Promise<JobSummary> {
    return importVolume(this.deps, opts);
  }

  transfer(opts: TransferVolumeOptions): Promise<JobSummary> {
    return transferVolume(this.deps, opts);
  }
}
