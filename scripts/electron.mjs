// Finding and starting Electron, for `npm start` (start-electron.mjs), `npm run dev` (dev.mjs) and the
// download after `npm install` (install-electron.mjs).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The Electron binary's path, or null when it is not downloaded (or the electron package is missing). */
export function electronBinary() {
  try {
    const bin = require('electron');
    return typeof bin === 'string' && fs.existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

/** The electron package's folder and version, or null when npm did not install it. */
export function electronPackage() {
  try {
    const file = require.resolve('electron/package.json');
    return { dir: path.dirname(file), version: JSON.parse(fs.readFileSync(file, 'utf8')).version };
  } catch {
    return null;
  }
}

/** What to do without Electron's binary, in the words `npm start`, `npm run dev` and the install use. */
export const WITHOUT_ELECTRON = 'Run the same app in your browser instead: npm run serve. To try the download again: npm run electron:download';

/** The binary, or one line that says it is missing and what to do, and exit. */
export function electronBinaryOrExit() {
  const bin = electronBinary();
  if (bin) return bin;
  console.error(`AI-Lab Desktop: Electron's binary is not installed (its download failed or was skipped during npm install). ${WITHOUT_ELECTRON}`);
  process.exit(1);
}

/** The environment to start Electron with: a leftover ELECTRON_RUN_AS_NODE would start it as plain Node and no window would open. */
export function electronEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  delete env.ELECTRON_RUN_AS_NODE;
  return env;
}
