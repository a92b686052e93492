import { ensureFixtureImages } from './fixtures';

/** The e2e suite launches and backs up through the fixture images; build them when they are missing. */
export default async function globalSetup(): Promise<void> {
  await ensureFixtureImages();
}
