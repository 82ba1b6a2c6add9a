// Child processes for benches whose servers run in the bench's own process (which must keep
// answering while a client runs), and what they cost in memory.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** spawnSync's result shape, without blocking the event loop. */
export function spawnAsync(argv, options) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), options);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Resident memory of a running process, in MB. */
export function rssMb(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}
