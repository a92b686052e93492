// `npm start`: runs the built app in Electron. Electron's binary is downloaded from GitHub by its
// postinstall step; where that was impossible, say so in one line and point at the browser mode.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function electronBinary() {
  try {
    const bin = createRequire(import.meta.url)('electron');
    return typeof bin === 'string' && fs.existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

const bin = electronBinary();
if (!bin) {
  console.error(
    "AI-Lab Desktop: Electron's binary is not installed (it could not be downloaded on this machine). Run the browser mode instead: npm run serve",
  );
  process.exit(1);
}

// A leftover ELECTRON_RUN_AS_NODE would start Electron as plain Node and the window would never open.
const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE;
const child = spawn(bin, [root, ...process.argv.slice(2)], { stdio: 'inherit', env, windowsHide: false });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}
child.on('error', (err) => {
  console.error(`AI-Lab Desktop: could not start Electron: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});
