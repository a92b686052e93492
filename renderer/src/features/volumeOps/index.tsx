import type { VolumeSummary } from '../../../../shared/contract';
import { MenuButton } from '../../components/MenuButton';
import { CloneDialog, EmptyDialog, RenameDialog } from './CloneDialogs';
import { ExportDialog, ImportDialog } from './ImageDialogs';
import { TransferDialog } from './TransferDialog';
import { useVolumeOps } from './volumeOpsStore';

/**
 * Docker Desktop's volume operations (issue 16) in a volume's details: "More" opens Clone, Rename,
 * Empty, Export to image and Transfer to another engine; each is a dialog that starts a job, whose
 * progress is the jobs feature's view.
 */
export function VolumeOpsMenu(props: { volume: VolumeSummary }) {
  const v = props.volume;
  const open = useVolumeOps.getState().open;
  const inUse = v.containers.length > 0;
  return (
    <MenuButton
      label="More"
      ariaLabel={`More actions for ${v.name}`}
      items={[
        { label: 'Clone…', onSelect: () => open({ kind: 'clone', volume: v.name }) },
        {
          label: 'Rename…',
          onSelect: () => open({ kind: 'rename', volume: v.name }),
          disabled: inUse,
          title: inUse
            ? `Used by ${v.containers.map((c) => c.name).join(', ')}: remove those containers first (a volume cannot be renamed under them)`
            : undefined,
        },
        { label: 'Export to image…', onSelect: () => open({ kind: 'export', volume: v.name }) },
        { label: 'Import from image…', onSelect: () => open({ kind: 'import', volume: v.name }) },
        { label: 'Transfer to another engine…', onSelect: () => open({ kind: 'transfer', volume: v.name }) },
        { label: 'Empty…', onSelect: () => open({ kind: 'empty', volume: v.name }), danger: true },
      ]}
    />
  );
}

/** The open volume-operation dialog, if any (rendered once by the volumes page). */
export function VolumeOpsDialogs() {
  const dialog = useVolumeOps((s) => s.dialog);
  if (!dialog) return null;
  switch (dialog.kind) {
    case 'clone':
      return <CloneDialog volume={dialog.volume} />;
    case 'rename':
      return <RenameDialog volume={dialog.volume} />;
    case 'empty':
      return <EmptyDialog volume={dialog.volume} />;
    case 'export':
      return <ExportDialog volume={dialog.volume} />;
    case 'import':
      return <ImportDialog volume={dialog.volume} />;
    case 'transfer':
      return <TransferDialog volume={dialog.volume} />;
  }
}
