import { ensureFixtureImages } from './fixtures';

/** Integration tests run against the fixture images; build them once per run when they are missing. */
export default async function setup(): Promise<void> {
  await ensureFixtureImages();
}
