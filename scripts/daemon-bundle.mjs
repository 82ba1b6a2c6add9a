// Bundles nonod into daemon/dist/bundle/: one module per entry plus shared chunks, a chunk per
// lazily imported method or subsystem. Loading some 300 files (TypeBox alone is over 200) cost the
// idle daemon more memory than the code in them; chunks at the depth of dist/*/ keep every
// import.meta.url-relative path (helper, data/, preload/) what it is in dist/. Run by `npm run build`.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(repo, 'daemon/dist/bundle');

// Native addons, packages read by path at run time (undici's dir is handed to sandboxes, pino
// starts workers from its files, the screen model's xterm is required where it runs), and the
// registry server's fastify, which only `nono registry serve` loads.
const EXTERNAL = ['better-sqlite3', 'node-pty', '@napi-rs/keyring', 'undici', '@xterm/headless', '@xterm/addon-serialize', 'fastify', '@fastify/static'];
const isExternal = (path) => EXTERNAL.some((name) => path === name || path.startsWith(`${name}/`));

/**
 * Loads the external packages with require(), not import: they are CommonJS, and the first
 * import of CommonJS from an ES module starts Node's export scanner (a WebAssembly instance),
 * some 5 MB that the daemon would then hold for good.
 */
const requireExternals = {
  name: 'require-externals',
  setup(build) {
    build.onResolve({ filter: /^[@a-z]/ }, (args) => {
      if (!isExternal(args.path)) return undefined;
      return args.namespace === 'required' ? { path: args.path, external: true } : { path: args.path, namespace: 'required' };
    });
    build.onLoad({ filter: /.*/, namespace: 'required' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

rmSync(outdir, { recursive: true, force: true });
const { outputFiles } = await build({
  // run-daemon is the test entry's; the worker is started by path from the snapshot writer pool.
  entryPoints: ['main.ts', 'run-daemon.ts', 'snapshots/object-writer-worker.ts'].map((entry) => join(repo, 'daemon/src', entry)),
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  outdir,
  entryNames: '[name]',
  // jsonc-parser's "main" is a UMD build that requires its own files at run time.
  mainFields: ['module', 'main'],
  plugins: [requireExternals],
  // Bundled CommonJS packages call require() for Node's own modules.
  banner: { js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);" },
  write: false,
});
// esbuild writes strings and identifiers in ASCII but keeps some comments as they were; one
// arrow in a comment makes V8 hold the whole chunk's source as UTF-16, twice the memory.
for (const file of outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.text.replace(/[^\x00-\x7f]/g, (char) => `\\u${char.codePointAt(0).toString(16)}`));
}
