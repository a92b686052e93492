// Placeholder (issue 16): replaced by the transfer dialog.
export function TransferDialog(_props: { volume: string }) {
  return null;
}
