// A secret (an API key, a registry token) from a hidden prompt on a terminal, or from stdin when
// piped: never from the command line, where ps and shell history would keep it.
import { read } from 'read';

export async function readSecret(prompt: string): Promise<string> {
  if (process.stdin.isTTY) return read({ prompt, silent: true, replace: '' });
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
