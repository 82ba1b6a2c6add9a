// Where the `nono` command lives: client/package.json's "bin" is the contract `npx nono`
// follows, so the bench times exactly what users run, whatever the client's build layout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function nonoEntry(repo) {
  const pkg = JSON.parse(readFileSync(join(repo, 'client/package.json'), 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.nono;
  if (!bin) throw new Error('client/package.json names no "nono" bin');
  return join(repo, 'client', bin);
}

/** argv that runs nono with these arguments: the launcher itself, or a script under the current Node. */
export function nonoArgv(repo, args) {
  const entry = nonoEntry(repo);
  return entry.endsWith('.cjs') || entry.endsWith('.js') ? [process.execPath, entry, ...args] : [entry, ...args];
}
