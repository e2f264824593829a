import { zlibSync } from "fflate";
import { expect, it } from "vitest";
import { InflateError, inflate } from "./inflate.ts";

function inflateAll(parts: Uint8Array[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  inflate(parts, (buffer, start, end) => {
    chunks.push(buffer.slice(start, end));
    return true;
  });
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function sample(n: number, seed: number): Uint8Array {
  const data = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    // Runs, repeats far back (past the 32 KB window refill) and noise.
    data[i] = i % 5000 < 2500 ? (s >>> 24) & 0x0f : i > 70000 ? data[i - 40000]! : s >>> 24;
  }
  return data;
}

it("inflates what zlib compresses at every level, split into parts anywhere, stored blocks included", () => {
  for (const level of [0, 1, 6, 9] as const) {
    const data = sample(200_000, level + 1);
    const compressed = zlibSync(data, { level });
    expect(Buffer.from(inflateAll([compressed])).equals(data), `level ${level}`).toBe(true);
    const cuts = [0, 1, 7, 1000, compressed.length >> 1, compressed.length - 3, compressed.length];
    const parts = cuts.slice(1).map((end, i) => compressed.subarray(cuts[i], end));
    expect(Buffer.from(inflateAll(parts)).equals(data), `level ${level}, in parts`).toBe(true);
  }
});

it("stops when asked and refuses corrupt streams", () => {
  const compressed = zlibSync(new Uint8Array(1_000_000));
  let seen = 0;
  const stopAtOnce = (_: Uint8Array, start: number, end: number) => {
    seen += end - start;
    return false;
  };
  expect(inflate([compressed], stopAtOnce)).toEqual({ stopped: true });
  expect(seen).toBeLessThanOrEqual(65_536);
  expect(() => inflateAll([new Uint8Array([0x78, 0x9c, 0xff, 0xff])])).toThrow(InflateError);
  expect(() => inflateAll([compressed.subarray(0, 20)])).toThrow(InflateError);
  expect(() => inflateAll([new Uint8Array([1, 2, 3])])).toThrow(/zlib header/);
});
