import { describe, expect, it } from "vitest";
import { nextSteps, shownPath } from "./next-steps.ts";

describe("nextSteps", () => {
  it("prints the serve and predict commands with the run's model folder, relative to the cwd", () => {
    const lines = nextSteps("/repo/runs/five-celeb-face/model", "/repo");
    expect(lines).toContain("  predict:   pnpm predict --model-dir runs/five-celeb-face/model photo.jpg");
    expect(lines.find((l) => l.includes("pnpm start"))).toContain(
      "pnpm start --model runs/five-celeb-face/model ",
    );
  });

  it("quotes a folder with spaces and keeps a folder outside the cwd absolute", () => {
    expect(nextSteps("/repo/my runs/m", "/repo")[2]).toContain("--model-dir 'my runs/m' photo.jpg");
    expect(shownPath("/elsewhere/m", "/repo")).toBe("/elsewhere/m");
  });
});
