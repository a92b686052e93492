// Placeholders (issue 16): replaced by the export and import dialogs.
export function ExportDialog(_props: { volume: string }) {
  return null;
}

export function ImportDialog(_props: { volume: string | null }) {
  return null;
}
