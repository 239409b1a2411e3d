import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests spawn hubs and child processes; two cores are plenty busy with two files at once.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit+integration', include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'] } },
      // Chromium against `mittelo serve` with fake CLIs: whole runs finish inside one test, so more time.
      { extends: true, test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 60_000 } },
    ],
  },
});
