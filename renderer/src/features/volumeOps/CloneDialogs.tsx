// Placeholders (issue 16): replaced by the clone, rename and empty dialogs.
export function CloneDialog(_props: { volume: string }) {
  return null;
}

export function RenameDialog(_props: { volume: string }) {
  return null;
}

export function EmptyDialog(_props: { volume: string }) {
  return null;
}
