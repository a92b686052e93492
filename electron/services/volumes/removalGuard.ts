import { EXASOL_DB_LABEL, isExasolDbVolume } from '../../../shared/ailab';
import { AppError } from '../../../shared/contract/errors';

/**
 * A volume whose loss cannot be undone by AI-Lab itself (the Exasol DB's data: AI-Lab recreates an
 * empty database, the old one is gone) is removed only when the caller sends its name as typed by the
 * user. A yes/no answer is too easy to give by habit, in a dialog as with `--yes` in a script.
 */
export function assertRemovalConfirmed(name: string, confirmName: string | undefined): void {
  if (!isExasolDbVolume(name) || confirmName === name) return;
  const typo = confirmName !== undefined && confirmName !== '';
  throw new AppError(
    'CONFIRMATION_REQUIRED',
    typo
      ? `"${confirmName}" does not match: the volume ${name} (${EXASOL_DB_LABEL}) is removed only when its name is typed exactly.`
      : `The volume ${name} holds the ${EXASOL_DB_LABEL} of AI-Lab's Exasol Docker-DB: removing it deletes the database. Type its name to confirm.`,
    {
      hint: `In the CLI: --confirm-name ${name} (or type the name at the prompt); --yes alone is not enough.`,
      details: { volume: name, guard: 'exasol-db', confirmName: name },
    },
  );
}
