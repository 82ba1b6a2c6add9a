// Makes client/ a package that installs outside this repository: the library is one bundled ES
// module (esbuild, @nono/shared and json-rpc-2.0 inlined, so it has no runtime dependencies),
// and its declarations are copied beside it with @nono/shared's, imports rewritten to point at
// them. Run by `npm run build`; `npm pack -w client` then packs what package.json "files" names.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const types = join(repo, 'client/dist/types');

await build({
  entryPoints: [join(repo, 'client/src/index.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  outfile: join(repo, 'client/dist/nono-client.js'),
});

/** The library's declarations: index.d.ts and library/, not the CLI's commands and terminal. */
function declarations(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'library' ? declarations(path) : [];
    return entry.name === 'index.d.ts' || dir.endsWith('library') ? [path] : [];
  });
}

rmSync(types, { recursive: true, force: true });
cpSync(join(repo, 'shared/dist'), join(types, 'shared'), { recursive: true, filter: (path) => !/\.(js|map|tsbuildinfo)$/.test(path) });
for (const file of declarations(join(repo, 'client/dist'))) {
  const target = join(types, relative(join(repo, 'client/dist'), file));
  mkdirSync(dirname(target), { recursive: true });
  const toShared = (sub) => {
    const path = relative(dirname(target), join(types, 'shared', `${sub || 'index'}.js`));
    return path.startsWith('.') ? path : `./${path}`;
  };
  const text = readFileSync(file, 'utf8').replace(/(['"])@nono\/shared(?:\/([\w/.-]+))?\1/g, (_, quote, sub) => `${quote}${toShared(sub)}${quote}`);
  writeFileSync(target, text);
}
