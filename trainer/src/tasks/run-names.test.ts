import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { dataFolderName, runNames } from "./run-names.ts";

describe("runNames", () => {
  it("names face and seed-cnn runs on the same folder alike: runs/<data>-<model>, model <data>", () => {
    const face = runNames({ data: "/d/five-celeb/train", model: "face" });
    const cnn = runNames({ data: "/d/five-celeb/train", model: "seed-cnn" });
    expect(face).toEqual({
      dataName: "five-celeb",
      outDir: resolve("runs/five-celeb-face"),
      name: "five-celeb",
    });
    expect(cnn).toEqual({
      dataName: "five-celeb",
      outDir: resolve("runs/five-celeb-seed-cnn"),
      name: "five-celeb",
    });
  });

  it("uses the folder's own name unless it is train/ or training/", () => {
    expect(dataFolderName("/d/celeb17")).toBe("celeb17");
    expect(dataFolderName("/d/celeb17/")).toBe("celeb17");
    expect(dataFolderName("/d/x/Training")).toBe("x");
    expect(dataFolderName("/d/x/trains")).toBe("trains");
  });

  it("keeps --out and --name as given", () => {
    expect(runNames({ data: "/d/celeb17", model: "face", out: "o", name: "n" })).toEqual({
      dataName: "celeb17",
      outDir: join(process.cwd(), "o"),
      name: "n",
    });
  });
});
