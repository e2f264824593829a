import { expect, it } from "vitest";
import { isMarqueeError } from "../errors.ts";
import { decodeEmbedding, encodeEmbedding, parseGalleryExport } from "./gallery-export.ts";

it("round-trips float32 embeddings bit for bit", () => {
  const values = Float32Array.from({ length: 128 }, (_, i) => Math.sin(i) / 7);
  const text = encodeEmbedding(values);
  expect(text).toHaveLength(684);
  expect(Array.from(decodeEmbedding(text, 128))).toEqual(Array.from(values));
  expect(encodeEmbedding(new Float32Array([1, 0]))).toBe("AACAPwAAAAA=");
});

it("refuses wrong sizes, non-base64 and non-finite values", () => {
  expect(() => decodeEmbedding("AACAPw==", 2)).toThrow(/holds 4 bytes; 2 float32 values take 8/);
  expect(() => decodeEmbedding("!!", 1)).toThrow(/not base64/);
  expect(() => decodeEmbedding(encodeEmbedding(new Float32Array([Number.NaN])), 1)).toThrow(/not finite/);
});

it("validates the document's shape and names the first problem", () => {
  const doc = {
    format: "marquee-gallery",
    formatVersion: 1,
    embedder: { name: "e", version: "1", dimensions: 2 },
    people: [{ person: "A", faces: [{ embedding: "AACAPwAAAAA=" }] }],
  };
  expect(parseGalleryExport(doc).people[0]?.person).toBe("A");
  try {
    parseGalleryExport({ ...doc, people: [{ person: "A", faces: [{}] }] });
    expect.unreachable();
  } catch (err) {
    expect(isMarqueeError(err, "bad_request")).toBe(true);
    expect((err as Error).message).toContain("people.0.faces.0.embedding");
  }
  expect(() => parseGalleryExport({ ...doc, format: "other" })).toThrow(/at format/);
});
