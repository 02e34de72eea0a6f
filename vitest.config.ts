import { defineConfig } from 'vitest/config';

// One run over every package, so the suite ends with a single vitest summary.
// WebGPU tests share two cores and one software adapter: files run one at a time.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'scripts'],
    fileParallelism: false,
    maxWorkers: 1,
  },
});
