// `nono daemon start|stop|status`: manage nonod explicitly (the client also starts it on demand).
import type { Command } from 'commander';
import { NonoClient } from '../index.js';
import { reportError } from '../output/report-error.js';
import { bold, green } from '../output/style.js';
import { defineCommand } from './define-command.js';
import { daemonAlive, lockHolder } from '@nono/shared/daemon-lock';
import { resolveNonoPaths } from '@nono/shared/paths';
import { NonoError } from '@nono/shared/protocol/errors';

interface JsonOption {
  json?: boolean;
}

/** `daemon start` starts nonod when nothing answers; `daemon status` only asks (exit 1 if none). */
function registerStatus(verb: 'start' | 'status', description: string): (daemon: Command) => void {
  return defineCommand({
    declare: (daemon) => daemon.command(verb).description(description),
    connect: { autoStart: verb === 'start' },
    method: 'daemon.status',
    params: () => ({}),
    render: (s) => {
      const landlock = (s.sandbox as { landlock?: { abi?: number } }).landlock?.abi ?? 0;
      process.stdout.write(
        [
          `${green(process.stdout, '●')} ${bold(process.stdout, 'nonod')} ${s.version} running, pid ${s.pid}, up ${Math.round(s.uptimeMs / 1000)} s`,
          `  socket    ${s.socket}`,
          `  state     ${s.stateDir}`,
          `  sessions  ${s.sessions.running} running, ${s.sessions.total} this run`,
          `  landlock  ABI ${landlock}`,
        ].join('\n') + '\n',
      );
    },
  });
}

/**
 * A daemon that holds its lock but answers on no socket (removed, and not yet bound again, or
 * wedged) is still found by its pid and stopped with TERM, as its service manager would.
 */
async function stopByLock(options: JsonOption): Promise<number> {
  const pid = lockHolder(resolveNonoPaths().lockPath);
  if (pid === undefined) {
    if (options.json) process.stdout.write(`${JSON.stringify({ stopped: false, running: false })}\n`);
    else process.stdout.write('nonod is not running\n');
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (daemonAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (daemonAlive(pid)) {
    reportError(new NonoError('DAEMON_UNREACHABLE', `nonod (pid ${pid}) has no socket and did not stop within 15 s of SIGTERM; kill -KILL ${pid}`), options.json === true);
    return 1;
  }
  if (options.json) process.stdout.write(`${JSON.stringify({ stopped: true, pid })}\n`);
  else process.stdout.write(`nonod stopped (pid ${pid}, found by its lock: its socket was gone)\n`);
  return 0;
}

async function stop(options: JsonOption): Promise<number> {
  let client: NonoClient;
  try {
    client = await NonoClient.connect({ autoStart: false });
  } catch {
    return stopByLock(options);
  }
  const closed = new Promise<void>((resolve) => client.onClose(resolve));
  try {
    await client.call('daemon.stop', {});
    await closed;
    if (options.json) process.stdout.write(`${JSON.stringify({ stopped: true })}\n`);
    else process.stdout.write('nonod stopped\n');
    return 0;
  } catch (error) {
    reportError(error, options.json === true);
    return 1;
  }
}

export function registerDaemon(program: Command): void {
  const daemon = program.command('daemon').description('Start, stop or inspect the nono daemon');
  registerStatus('start', 'Start nonod if it is not running, then show its status')(daemon);
  daemon
    .command('stop')
    .description('Stop nonod; running sessions are terminated')
    .option('--json', 'machine-readable output')
    .action(async (options: JsonOption) => {
      process.exitCode = await stop(options);
    });
  registerStatus('status', 'Show whether nonod runs, its paths and the kernel sandbox features (exit 1 if not running)')(daemon);
}
