// A throwaway CA and one server certificate signed by it, made with openssl, for HTTPS
// servers on loopback in tests and benches. Plain JS so both the TypeScript tests and the
// .mjs benches load it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes ca.pem, server.key and server.pem into dir. names are subjectAltName entries such as
 * "IP:127.0.0.5" or "DNS:internal.test"; the first also becomes the subject's common name.
 */
export function makeTestCa(dir, names) {
  mkdirSync(dir, { recursive: true });
  const openssl = (args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=nono test CA', '-keyout', 'ca.key', '-out', 'ca.pem']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${names[0].replace(/^\w+:/, '')}`, '-keyout', 'server.key', '-out', 'server.csr']);
  writeFileSync(join(dir, 'san.ext'), `subjectAltName=${names.join(',')}\n`);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.pem']);
  return { ca: join(dir, 'ca.pem'), key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) };
}
