// `nono registry serve DIR` as a user starts it, for tests that pull from it: the child and the
// URL it printed. `input` goes to its stdin (a token for --token-stdin).
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestWorld } from './sandbox-env.js';
import { NONO_BIN } from './run-cli.js';

export async function serveRegistry(world: TestWorld, args: string[], input = ''): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [NONO_BIN, 'registry', 'serve', ...args, '--json'], { env: world.env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.end(input);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /"url": "([^"]+)"/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.on('exit', () => reject(new Error(`nono registry serve exited: ${err}`)));
  });
  return { child, url };
}
