// A private world for one test file: temp HOME and XDG dirs, so each test talks to its own
// daemon on its own socket and never touches the developer's real nono.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestWorld {
  root: string;
  home: string;
  work: string;
  env: Record<string, string>;
  socketPath: string;
  secretPath: string;
  cleanup(): void;
}

export interface WorldOptions {
  /** Create the world for this uid/gid (unprivileged tests). */
  owner?: { uid: number; gid: number };
  /** Leave XDG_RUNTIME_DIR unset so the runtime dir falls back to /tmp/nono-$UID. */
  noRuntimeDir?: boolean;
  extraEnv?: Record<string, string>;
}

// Not under /tmp: in the view every session gets a private /tmp, so a home there would sit
// inside the sandbox's own scratch space rather than in the read-only view like a real home.
const WORLDS = process.env.NONO_TEST_WORLDS ?? '/var/tmp';

export function createWorld(options: WorldOptions = {}): TestWorld {
  const root = mkdtempSync(join(WORLDS, 'nono-test-'));
  const home = join(root, 'home');
  const work = join(home, 'project');
  const runtime = join(root, 'run');
  const dirs = [home, work, runtime, join(home, '.ssh'), join(root, 'state'), join(root, 'config')];
  for (const dir of dirs) mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, '.ssh', 'id_rsa'), 'PRIVATE KEY MATERIAL\n', { mode: 0o600 });
  writeFileSync(join(home, '.bashrc'), '# rc\n');
  writeFileSync(join(work, 'file.txt'), 'hello from the workdir\n');
  chmodSync(root, 0o755);
  if (options.owner) {
    for (const path of [root, home, work, runtime, join(home, '.ssh'), join(home, '.ssh', 'id_rsa'), join(home, '.bashrc'), join(work, 'file.txt'), join(root, 'state'), join(root, 'config')]) {
      chownSync(path, options.owner.uid, options.owner.gid);
    }
  }
  const env: Record<string, string> = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    XDG_STATE_HOME: join(root, 'state'),
    XDG_CONFIG_HOME: join(root, 'config'),
    ...(options.noRuntimeDir ? {} : { XDG_RUNTIME_DIR: runtime }),
    ...options.extraEnv,
  };
  const runtimeDir = options.noRuntimeDir ? `/tmp/nono-${options.owner?.uid ?? process.getuid!()}` : join(runtime, 'nono');
  return {
    root,
    home,
    work,
    env,
    socketPath: join(runtimeDir, 'nono.sock'),
    secretPath: join(runtimeDir, 'secret'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
