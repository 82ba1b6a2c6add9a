// `nono registry serve DIR`: a read-only registry for a team or a test, serving a published
// directory with exactly the layout a static host has, so whatever works against it works
// against any web server, object store or forge pages. With a token, every request must carry
// it as a bearer token, which is how `nono auth login` is exercised end to end.
// Threat: the directory is served to the network; @fastify/static refuses paths out of it, we
// list no directories and serve no dotfiles, and a link inside it pointing out is not followed.
import { timingSafeEqual } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, sep } from 'node:path';
import { NonoError } from '@nono/shared';
import { CATALOGUE_FILE } from './registry-index.js';

export interface RegistryServer {
  url: string;
  close(): Promise<void>;
}

export interface RegistryServerOptions {
  dir: string;
  host?: string;
  port?: number;
  /** When set, requests without `Authorization: Bearer <token>` get 401. */
  token?: string;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function serveRegistry(options: RegistryServerOptions): Promise<RegistryServer> {
  const info = await stat(options.dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new NonoError('PATH_NOT_FOUND', `${options.dir} is not a directory; publish a pack into it first with nono pack publish DIR --to ${options.dir}`, { path: options.dir });
  if (!(await stat(`${options.dir}/${CATALOGUE_FILE}`).catch(() => undefined))) {
    throw new NonoError('PATH_NOT_FOUND', `${options.dir} has no ${CATALOGUE_FILE}, so it holds no published pack; publish one with nono pack publish DIR --to ${options.dir}`, { path: options.dir });
  }
  // Loaded here: a daemon that never serves a registry never pays for them.
  const { default: fastify } = await import('fastify');
  const { default: fastifyStatic } = await import('@fastify/static');
  const app = fastify({ logger: false });
  const { token } = options;
  if (token !== undefined) {
    app.addHook('onRequest', async (request, reply) => {
      if (!tokenMatches(request.headers.authorization, token)) await reply.code(401).header('www-authenticate', 'Bearer realm="nono registry"').send({ error: 'log in with nono auth login' });
    });
  }
  // send resolves `..` itself but follows links: whatever a path really names must lie inside.
  const root = await realpath(options.dir);
  app.addHook('onRequest', async (request, reply) => {
    if (reply.sent) return;
    let real: string | undefined;
    try {
      real = await realpath(join(root, decodeURIComponent(new URL(request.url, 'http://registry').pathname)));
    } catch {
      real = undefined;
    }
    if (real !== undefined && real !== root && !real.startsWith(`${root}${sep}`)) await reply.code(404).send({ error: 'not found' });
  });
  await app.register(fastifyStatic, { root: options.dir, index: false, list: false, serveDotFiles: false, dotfiles: 'ignore', acceptRanges: true, cacheControl: false });
  try {
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  } catch (error) {
    throw new NonoError('INVALID_PARAMS', `cannot listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 0} (${(error as NodeJS.ErrnoException).code}); pick another --port`, { port: options.port });
  }
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${host}:${address.port}/`, close: () => app.close() };
}
