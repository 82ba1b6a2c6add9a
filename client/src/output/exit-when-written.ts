// Ends the process once what it wrote to stdout and stderr is out. Node writes to a pipe whose
// reader is behind asynchronously once the pipe's 64 KiB are full, and process.exit() drops
// what is still queued (`nono run -- yes | head -c 100M | (sleep 3; wc -c)` counted 65536). A
// reader that never reads holds the exit, as it would hold a C program's write; one that goes
// away ends it with 141 (main.ts).
export async function exitWhenWritten(code: number): Promise<never> {
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) => new Promise<void>((resolve) => (stream.writableLength === 0 ? resolve() : stream.write('', () => resolve()))),
    ),
  );
  process.exit(code);
}
