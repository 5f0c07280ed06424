import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Native code and LibTorch run in forked workers, so a native fault fails one file only.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
