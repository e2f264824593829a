import { defineConfig } from "vitest/config";

// One runner for the whole workspace; each package is a project so `pnpm test --project shared` works.
export default defineConfig({
  test: {
    projects: [
      { test: { name: "shared", root: "shared", include: ["src/**/*.test.ts"] } },
      { test: { name: "trainer", root: "trainer", include: ["src/**/*.test.ts"], testTimeout: 120_000 } },
      { test: { name: "edge", root: "edge", include: ["src/**/*.test.ts"] } },
      {
        test: {
          name: "integration",
          root: "test",
          include: ["**/*.test.ts"],
          exclude: ["**/node_modules/**", "**/fixtures/**"],
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
