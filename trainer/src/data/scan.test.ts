import { spawnSync } from "node:child_process";
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isMarqueeError } from "@marquee/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scanDataset } from "./scan.ts";
import { makeImage, pngWithHeader, put, tempDir } from "./test-support.ts";
import type { DataLog } from "./types.ts";

function capture(): DataLog & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (l) => lines.push(l), warn: (l) => lines.push(`warn: ${l}`) };
}

const isRoot = process.getuid?.() === 0;

describe("scanDataset on a folder with bad files", () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    await put(dir, "cats/a.jpg", await makeImage(1));
    await put(dir, "cats/b.jpg", await makeImage(2));
    await put(dir, "cats/nested/c.webp", await makeImage(3, { format: "webp" }));
    await put(dir, "dogs/d.jpg", await makeImage(4));
    await put(dir, "dogs/png-named.jpg", await makeImage(5, { format: "png" }));
    // Bad files:
    await put(
      dir,
      "dogs/corrupt.jpg",
      Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(40, 0x13)]),
    );
    await put(dir, "dogs/empty.jpg", Buffer.alloc(0));
    await put(dir, "dogs/notes.txt", "not a photo\n");
    await put(dir, "dogs/fake.png", "<html>not a png</html>");
    await put(dir, "dogs/bomb.png", pngWithHeader(30000, 30000));
    await symlink("self.jpg", join(dir, "dogs/self.jpg")); // ELOOP
    await symlink("..", join(dir, "dogs/up")); // cycle back to the data folder
    await symlink("missing.jpg", join(dir, "dogs/dangling.jpg"));
    await put(dir, "README.txt", "top-level file");
    await mkdir(join(dir, "empty-class"));
  });
  afterAll(() => cleanup());

  it("keeps the good images, decoded by content, and lists each bad one with its reason", async () => {
    const log = capture();
    const scan = await scanDataset(dir, { log });
    expect(scan.classNames).toEqual(["cats", "dogs", "empty-class"]);
    const rel = (p: string) => p.slice(dir.length + 1);
    expect(scan.files.map((f) => rel(f.path))).toEqual([
      "cats/a.jpg",
      "cats/b.jpg",
      "cats/nested/c.webp",
      "dogs/d.jpg",
      "dogs/png-named.jpg",
    ]);
    expect(scan.files.map((f) => f.classIndex)).toEqual([0, 0, 0, 1, 1]);
    const pngNamedJpg = scan.files.find((f) => f.path.endsWith("png-named.jpg"))!;
    expect(pngNamedJpg.format).toBe("png");
    expect([pngNamedJpg.width, pngNamedJpg.height]).toEqual([96, 80]);
    expect(scan.files[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);

    const reasons = Object.fromEntries(scan.skipped.map((s) => [rel(s.path), s.reason]));
    expect(reasons["dogs/corrupt.jpg"]).toMatch(/^corrupt image/);
    expect(reasons["dogs/empty.jpg"]).toMatch(/empty file/);
    expect(reasons["dogs/notes.txt"]).toMatch(/not an image/);
    expect(reasons["dogs/fake.png"]).toMatch(/not an image.*despite the \.png name/);
    expect(reasons["dogs/bomb.png"]).toMatch(/^too large/);
    expect(reasons["dogs/self.jpg"]).toMatch(/symlink loop/);
    expect(reasons["dogs/up"]).toMatch(/symlink loop/);
    expect(reasons["dogs/dangling.jpg"]).toMatch(/broken symlink/);
    expect(reasons["README.txt"]).toMatch(/not inside a class folder/);
    expect(Object.keys(reasons)).toHaveLength(9);

    const text = log.lines.join("\n");
    expect(text).toContain("Found 5 images belonging to 3 classes");
    expect(text).toContain("Classes: cats, dogs, empty-class");
    expect(text).toContain('class "empty-class" has no usable images');
    expect(text).toContain("dogs/bomb.png: too large");
  });

  it("skips a file that cannot be read with 'permission denied' (injected EACCES)", async () => {
    const scan = await scanDataset(dir, {
      log: capture(),
      readFile: async (p) => {
        if (p.endsWith("b.jpg"))
          throw Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
        const { readFile } = await import("node:fs/promises");
        return readFile(p);
      },
    });
    expect(scan.files.some((f) => f.path.endsWith("b.jpg"))).toBe(false);
    expect(scan.skipped.find((s) => s.path.endsWith("b.jpg"))?.reason).toBe(
      "unreadable: permission denied (EACCES)",
    );
  });

  it("refuses a file over the byte limit from its size, without reading it", async () => {
    const big = await put(dir, "cats/big.jpg", Buffer.concat([await makeImage(9), Buffer.alloc(300_000)]));
    const read: string[] = [];
    const scan = await scanDataset(dir, {
      log: capture(),
      limits: { maxBytes: 200_000 },
      readFile: async (p) => {
        read.push(p);
        const { readFile } = await import("node:fs/promises");
        return readFile(p);
      },
    });
    expect(scan.skipped.find((s) => s.path === big)?.reason).toBe(
      "too large: 0.3 MB exceeds the 0.2 MB limit",
    );
    expect(read).not.toContain(big);
    expect(read.length).toBeGreaterThan(5);
    const { rm } = await import("node:fs/promises");
    await rm(big);
  });
});

describe("scanDataset with real permissions", () => {
  it("skips a chmod-000 file and folder (as a non-root user; root can read anything)", async (ctx) => {
    const { dir, cleanup } = await tempDir();
    try {
      await put(dir, "cats/a.jpg", await makeImage(1));
      await put(dir, "dogs/b.jpg", await makeImage(2));
      const locked = await put(dir, "dogs/locked.jpg", await makeImage(3));
      await put(dir, "dogs/sealed/c.jpg", await makeImage(4));
      await chmod(locked, 0o000);
      await chmod(join(dir, "dogs/sealed"), 0o000);
      if (!isRoot) {
        const scan = await scanDataset(dir, { log: capture() });
        expect(scan.skipped.find((s) => s.path === locked)?.reason).toMatch(/permission denied/);
        expect(scan.skipped.find((s) => s.path.endsWith("sealed"))?.reason).toMatch(
          /folder unreadable: permission denied/,
        );
        return;
      }
      // Root ignores file modes, so scan in a child process running as `nobody`.
      await chmod(dir, 0o755);
      const script = fileURLToPath(new URL("./scan.test-child.ts", import.meta.url));
      const tsx = fileURLToPath(new URL("../../../node_modules/tsx/dist/cli.mjs", import.meta.url));
      const child = spawnSync(process.execPath, [tsx, script, dir], {
        uid: 65534,
        gid: 65534,
        encoding: "utf8",
        env: { ...process.env, HOME: "/tmp" },
        timeout: 60_000,
      });
      if (child.error || child.status !== 0) {
        // Cannot drop privileges here (e.g. no such user): say so rather than pretend.
        ctx.skip(`could not run as nobody: ${child.error?.message ?? child.stderr}`);
      }
      const result = JSON.parse(child.stdout) as {
        files: string[];
        skipped: { path: string; reason: string }[];
      };
      expect(result.files.map((p) => p.slice(dir.length + 1))).toEqual(["cats/a.jpg", "dogs/b.jpg"]);
      expect(result.skipped.find((s) => s.path === locked)?.reason).toBe(
        "unreadable: permission denied (EACCES)",
      );
      expect(result.skipped.find((s) => s.path.endsWith("sealed"))?.reason).toBe(
        "folder unreadable: permission denied (EACCES)",
      );
    } finally {
      await cleanup();
    }
  });
});

describe("scanDataset when nothing usable remains", () => {
  it("throws bad_request saying there is no usable data", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await put(dir, "cats/notes.txt", "hello");
      await put(dir, "dogs/empty.jpg", Buffer.alloc(0));
      const err = await scanDataset(dir, { log: capture() }).catch((e) => e);
      expect(isMarqueeError(err, "bad_request")).toBe(true);
      expect(err.message).toMatch(/^No usable data: none of the 2 file\(s\)/);
    } finally {
      await cleanup();
    }
  });

  it("throws when only one class has images", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await put(dir, "cats/a.jpg", await makeImage(1));
      await put(dir, "dogs/notes.txt", "hello");
      await expect(scanDataset(dir, { log: capture() })).rejects.toThrow(/only 1 class\(es\).*at least 2/);
      // Evaluation of a one-person folder can allow it.
      expect((await scanDataset(dir, { log: capture(), minClasses: 1 })).files).toHaveLength(1);
    } finally {
      await cleanup();
    }
  });

  it("throws for a missing folder and for a folder without class folders", async () => {
    await expect(scanDataset("/nonexistent/marquee-data", { log: capture() })).rejects.toThrow(
      /Cannot read the data folder/,
    );
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(join(dir, "a.jpg"), await makeImage(1));
      await expect(scanDataset(dir, { log: capture() })).rejects.toThrow(/has no class folders/);
    } finally {
      await cleanup();
    }
  });
});
