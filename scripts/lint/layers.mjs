import { builtinModules } from 'node:module';
import path from 'node:path';

/**
 * The architecture's import rules (docs/ARCHITECTURE.md), enforced by lint. A relative import is
 * resolved against the importing file, so `../../main/ipc` from a service is caught as electron/main
 * just like a path that spells it out; a bare name (`electron`, `node:fs`, `fs`) is checked as a package.
 *
 * Each layer lists what it may not import (`deny`) or the only things it may import (`allow`). A rule
 * applies to the files under `files`; `root` is the repository (where eslint.config.mjs lives).
 */

const NODE_BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/** @typedef {{ kind: 'package', name: string } | { kind: 'local', path: string }} Target */

/** @param {string} spec @param {string} fromFile @param {string} root @returns {Target} */
function targetOf(spec, fromFile, root) {
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const abs = path.resolve(path.dirname(fromFile), spec);
    return { kind: 'local', path: path.relative(root, abs).split(path.sep).join('/') };
  }
  return { kind: 'package', name: spec };
}

const isUnder = (p, dir) => p === dir || p.startsWith(`${dir}/`);
const isNode = (name) => name.startsWith('node:') || NODE_BUILTINS.has(name.split('/')[0]);
const isElectron = (name) => name === 'electron' || name.startsWith('electron/');

const NODE = { what: 'Node built-ins (node:*)', test: (t) => t.kind === 'package' && isNode(t.name) };
const ELECTRON = { what: "'electron'", test: (t) => t.kind === 'package' && isElectron(t.name) };
/** A folder of this repository, and everything below it. */
const folder = (dir) => ({ what: `${dir}/`, test: (t) => t.kind === 'local' && isUnder(t.path, dir) });

/** What a layer may not import, as predicates with the reason shown in the lint message. */
export const LAYERS = [
  {
    name: 'electron/services',
    files: 'electron/services/',
    why: 'services run without Electron, in the browser mode and the CLI too; pass what they need in through CoreServices',
    deny: [ELECTRON, ...['electron/main', 'electron/server', 'electron/cli', 'electron/preload', 'renderer'].map(folder)],
  },
  {
    name: 'shared',
    files: 'shared/',
    why: 'shared/ is imported by the page, the preload and Node alike: it may use only itself and pure packages (zod)',
    deny: [NODE, ELECTRON, folder('electron'), folder('renderer')],
  },
  {
    name: 'renderer',
    files: 'renderer/',
    why: 'the page knows only the contract (shared/) and talks to main through `api`',
    deny: [NODE, ELECTRON, folder('electron')],
  },
  {
    name: 'electron/preload',
    files: 'electron/preload/',
    why: "the preload runs sandboxed in the page's process: only 'electron' and the contract in shared/",
    allow: (t) => (t.kind === 'package' ? t.name === 'electron' : isUnder(t.path, 'shared') || isUnder(t.path, 'electron/preload')),
    allowed: "'electron' and shared/",
  },
];

/** @type {import('eslint').Rule.RuleModule} */
const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the layers of docs/ARCHITECTURE.md.' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, required: ['root'], additionalProperties: false }],
  },
  create(context) {
    const root = context.options[0].root;
    const file = path.relative(root, context.filename).split(path.sep).join('/');
    const layer = LAYERS.find((l) => file.startsWith(l.files));
    if (!layer) return {};
    const check = (node, source) => {
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const spec = source.value;
      const target = targetOf(spec, context.filename, root);
      if (layer.allow) {
        if (!layer.allow(target)) {
          context.report({ node, message: `${layer.name} may import only ${layer.allowed}, not '${spec}': ${layer.why}.` });
        }
        return;
      }
      const hit = layer.deny.find((d) => d.test(target));
      if (hit) context.report({ node, message: `${layer.name} must not import ${hit.what} ('${spec}'): ${layer.why}.` });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments.length === 1) check(node, node.arguments[0]);
      },
    };
  },
};

export const layersPlugin = { rules: { imports: layersRule } };
