// Finding and starting Electron, for `npm start` (start-electron.mjs) and `npm run dev` (dev.mjs).
import fs from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The Electron binary's path. Electron's postinstall downloads it from GitHub; where that was
 * impossible, say so in one line, point at the browser mode, and exit.
 */
export function electronBinaryOrExit() {
  let bin = null;
  try {
    bin = createRequire(import.meta.url)('electron');
  } catch {
    bin = null;
  }
  if (typeof bin === 'string' && fs.existsSync(bin)) return bin;
  console.error("AI-Lab Desktop: Electron's binary is not installed (it could not be downloaded on this machine). Run the browser mode instead: npm run serve");
  process.exit(1);
}

/** The environment to start Electron with: a leftover ELECTRON_RUN_AS_NODE would start it as plain Node and no window would open. */
export function electronEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  delete env.ELECTRON_RUN_AS_NODE;
  return env;
}
