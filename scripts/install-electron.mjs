// `npm install` (postinstall) and `npm run electron:download`: downloads Electron's binary with
// electron's own installer. package.json's allowScripts keeps npm (11.19 and later) from running that
// installer by itself, because when GitHub cannot be reached it fails the whole install: npm then
// removes node_modules after a stack trace. Here a failed download is one line and the install goes on;
// `npm start` then says the same and points to the browser mode. Older npm still runs electron's
// installer itself; then this finds the binary in place and says nothing.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { electronBinary, electronPackage, WITHOUT_ELECTRON } from './electron.mjs';

const retry = process.argv.includes('--retry');
// A download that has not finished in this time is stuck (a silently dropping firewall).
const TIMEOUT_MS = Number(process.env.AILAB_ELECTRON_DOWNLOAD_TIMEOUT_MS ?? 15 * 60 * 1000);

const pkg = electronPackage();
if (!pkg) {
  console.log(`electron: the electron package is not installed, so the desktop window is not available. ${WITHOUT_ELECTRON}`);
  process.exit(0);
}
if (electronBinary()) {
  if (retry) console.log(`electron: Electron ${pkg.version} is installed.`);
  process.exit(0);
}
if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD && !retry) {
  console.log("electron: ELECTRON_SKIP_BINARY_DOWNLOAD is set, so Electron's binary was not downloaded (npm run electron:download gets it later).");
  process.exit(0);
}

console.log(`electron: downloading Electron ${pkg.version} (about 100 MB, from GitHub unless ELECTRON_MIRROR says otherwise)…`);
const env = { ...process.env, ELECTRON_GET_NO_PROGRESS: '1' };
delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
const child = spawn(process.execPath, [path.join(pkg.dir, 'install.js')], { cwd: pkg.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
child.stdout.on('data', (d) => (output += d));
child.stderr.on('data', (d) => (output += d));
const timer = setTimeout(() => {
  output += `\nError: no answer within ${Math.round(TIMEOUT_MS / 60000)} min`;
  child.kill();
}, TIMEOUT_MS);
const code = await new Promise((resolve) => {
  child.on('error', (err) => {
    output += `\nError: ${err.message}`;
    resolve(1);
  });
  child.on('close', (c) => resolve(c ?? 1));
});
clearTimeout(timer);

if (code === 0 && electronBinary()) {
  console.log(`electron: Electron ${pkg.version} is installed; npm start opens the app.`);
  process.exit(0);
}
const goesOn = retry ? '' : ' The install goes on without the desktop window.';
console.log(`electron: Electron's binary could not be downloaded (${reason(output)}).${goesOn} ${WITHOUT_ELECTRON}`);
// The install itself succeeded; only a retry that failed again is an error.
process.exit(retry ? 1 : 0);

/** The one line of the installer's stack trace that says what went wrong ("getaddrinfo ENOTFOUND github.com"). */
function reason(text) {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const error = lines.find((l) => /^(\w*Error|HTTPError|RequestError)\b.*:/.test(l)) ?? lines.find((l) => !l.startsWith('at ')) ?? `exit code ${code}`;
  return error.replace(/^(\w*Error|HTTPError|RequestError):\s*/, '').slice(0, 200);
}
