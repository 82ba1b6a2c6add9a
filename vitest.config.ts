import { defineConfig } from 'vitest/config';

// Tests spawn real daemons, sandboxes and PTYs; on a 2-core machine a few files at a time
// keeps timings honest without serialising everything.
export default defineConfig({
  test: {
    include: ['**/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    maxWorkers: 2,
    fileParallelism: true,
  },
});
