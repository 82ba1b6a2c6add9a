// The CLI bundle's V8 code cache, made right after esbuild writes the bundle (client/bin/code-cache.cjs
// says why and how it is checked). Run by `npm run build`.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
require('../client/bin/code-cache.cjs').build(fileURLToPath(new URL('../client/dist/nono.cjs', import.meta.url)));
