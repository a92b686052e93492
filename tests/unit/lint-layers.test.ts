import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The layering rules of docs/ARCHITECTURE.md fail `npm run lint`: each probe is an in-memory file at a
 * path in a layer, importing what that layer must not. The allowed imports next to them keep the
 * rules from passing by refusing everything.
 */

const root = path.resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'layers/imports').map((m) => m.message);
}

const probes: Array<{ file: string; code: string; why: RegExp }> = [
  {
    file: 'electron/services/jobs/probe.ts',
    code: "import { app } from 'electron';\nexport const x = app;\n",
    why: /electron\/services must not import 'electron'/,
  },
  {
    file: 'electron/services/jobs/probe.ts',
    code: "import { registerIpcHandlers } from '../../main/ipc';\nexport const x = registerIpcHandlers;\n",
    why: /must not import electron\/main/,
  },
  { file: 'electron/services/probe.ts', code: "export { createAppServer } from '../server/appServer';\n", why: /must not import electron\/server/ },
  {
    file: 'electron/services/volumes/probe.ts',
    code: "export async function x() {\n  return import('../../cli/main');\n}\n",
    why: /must not import electron\/cli/,
  },
  { file: 'shared/contract/probe.ts', code: "import fs from 'node:fs';\nexport const x = fs;\n", why: /shared must not import Node built-ins/ },
  { file: 'shared/probe.ts', code: "import path from 'path';\nexport const x = path;\n", why: /shared must not import Node built-ins/ },
  {
    file: 'shared/contract/probe.ts',
    code: "import type { Core } from '../../electron/services/createCore';\nexport type X = Core;\n",
    why: /shared must not import electron\//,
  },
  {
    file: 'renderer/src/features/probe.ts',
    code: "import type { Core } from '../../../electron/services/createCore';\nexport type X = Core;\n",
    why: /renderer must not import electron\//,
  },
  {
    file: 'renderer/src/probe.ts',
    code: "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n",
    why: /renderer must not import 'electron'/,
  },
  {
    file: 'electron/preload/probe.ts',
    code: "import { z } from 'zod';\nexport const x = z;\n",
    why: /electron\/preload may import only 'electron' and shared\//,
  },
  {
    file: 'electron/preload/probe.ts',
    code: "import { toAppError } from '../services/docker/errors';\nexport const x = toAppError;\n",
    why: /electron\/preload may import only/,
  },
];

const allowed: Array<{ file: string; code: string }> = [
  {
    file: 'electron/services/jobs/probe.ts',
    code: "import fs from 'node:fs';\nimport { AppError } from '../../../shared/contract/errors';\nimport { toAppError } from '../docker/errors';\nexport const x = [fs, AppError, toAppError];\n",
  },
  { file: 'shared/contract/probe.ts', code: "import { z } from 'zod';\nimport { AppError } from './errors';\nexport const x = [z, AppError];\n" },
  { file: 'renderer/src/probe.ts', code: "import { methodNames } from '../../shared/contract';\nexport const x = methodNames;\n" },
  {
    file: 'electron/preload/probe.ts',
    code: "import { contextBridge } from 'electron';\nimport { methodNames } from '../../shared/contract';\nexport const x = [contextBridge, methodNames];\n",
  },
  {
    file: 'electron/main/probe.ts',
    code: "import { app } from 'electron';\nimport { createCore } from '../services/createCore';\nexport const x = [app, createCore];\n",
  },
];

describe('lint enforces the layers', () => {
  it.each(probes)('$file: $code', async ({ file, code, why }) => {
    const errors = await layerErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(why);
  });

  it.each(allowed)('allowed in $file', async ({ file, code }) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });
});
