// `nono daemon start|stop|status`: manage nonod explicitly (the client also starts it on demand).
import type { Command } from 'commander';
import { NonoClient } from '../index.js';
import { reportError } from '../output/report-error.js';
import { bold, green } from '../output/style.js';

interface JsonOption {
  json?: boolean;
}

async function status(options: JsonOption, autoStart: boolean): Promise<number> {
  let client: NonoClient;
  try {
    client = await NonoClient.connect({ autoStart });
  } catch (error) {
    reportError(error, options.json === true);
    return 1;
  }
  try {
    const s = await client.call('daemon.status', {});
    if (options.json) {
      process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    } else {
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
    }
    return 0;
  } catch (error) {
    reportError(error, options.json === true);
    return 1;
  } finally {
    client.close();
  }
}

async function stop(options: JsonOption): Promise<number> {
  let client: NonoClient;
  try {
    client = await NonoClient.connect({ autoStart: false });
  } catch {
    if (options.json) process.stdout.write(`${JSON.stringify({ stopped: false, running: false })}\n`);
    else process.stdout.write('nonod is not running\n');
    return 0;
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
  daemon
    .command('start')
    .description('Start nonod if it is not running, then show its status')
    .option('--json', 'machine-readable output')
    .action(async (options: JsonOption) => {
      process.exitCode = await status(options, true);
    });
  daemon
    .command('stop')
    .description('Stop nonod; running sessions are terminated')
    .option('--json', 'machine-readable output')
    .action(async (options: JsonOption) => {
      process.exitCode = await stop(options);
    });
  daemon
    .command('status')
    .description('Show whether nonod runs, its paths and the kernel sandbox features (exit 1 if not running)')
    .option('--json', 'machine-readable output')
    .action(async (options: JsonOption) => {
      process.exitCode = await status(options, false);
    });
}
