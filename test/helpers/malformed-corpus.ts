// A deterministic (seeded) corpus of hostile /predict requests: truncated and bit-flipped images,
// wrong magic, decompression-bomb headers, zero bytes, and broken or oversized multipart bodies.

import {
  gifFrameBiggerThanScreen,
  jpegWithManyScans,
  jpegWithPrecision,
  pngAncillaryBomb,
  pngIdatBomb,
  pngPaletteWithoutPlte,
  pngSecondIhdr,
} from "@marquee/shared/testing";
import { mulberry32 } from "@marquee/trainer/random";
import { pngHeaderClaiming } from "./images.ts";

/** One request of the corpus. */
export interface CorpusCase {
  name: string;
  body: Uint8Array<ArrayBuffer>;
  contentType?: string;
  /** Bit flips can leave an image decodable, so those may also be answered 200. */
  mayDecode?: boolean;
  /** Structure-aware hostile cases: the status they must get. */
  expectStatus?: number;
}

const MiB = 1024 * 1024;

/**
 * One case per hostile class of issue 11, built structure-aware (valid headers and CRCs, hostile
 * payloads) by shared's hostile-images.ts, each with the status it must get. `progressiveJpeg` is
 * a small valid progressive JPEG to grow the many-scans case from.
 */
export function hostileCases(progressiveJpeg: Uint8Array): CorpusCase[] {
  return [
    {
      name: "hostile: GIF frame 60000×60000 on a 16×16 screen",
      body: gifFrameBiggerThanScreen(16, 60000),
      expectStatus: 413,
    },
    {
      name: "hostile: PNG IDAT inflating to 64 MiB behind a 100×100 IHDR",
      body: pngIdatBomb(100, 100, 64 * MiB),
      expectStatus: 422,
    },
    {
      name: "hostile: PNG iCCP inflating to 64 MiB",
      body: pngAncillaryBomb("iCCP", 64 * MiB),
      expectStatus: 422,
    },
    {
      name: "hostile: PNG zTXt inflating to 64 MiB",
      body: pngAncillaryBomb("zTXt", 64 * MiB),
      expectStatus: 422,
    },
    {
      name: "hostile: PNG iTXt inflating to 64 MiB",
      body: pngAncillaryBomb("iTXt", 64 * MiB),
      expectStatus: 422,
    },
    { name: "hostile: PNG with a second IHDR of 40000×40000", body: pngSecondIhdr(), expectStatus: 422 },
    { name: "hostile: palette PNG without PLTE", body: pngPaletteWithoutPlte(), expectStatus: 422 },
    {
      name: "hostile: progressive JPEG with 5000 scans",
      body: jpegWithManyScans(progressiveJpeg, 5000),
      expectStatus: 422,
    },
    {
      name: "hostile: JPEG declaring 16-bit samples",
      body: jpegWithPrecision(progressiveJpeg, 16),
      expectStatus: 422,
    },
    {
      name: "hostile: JPEG declaring 0-bit samples",
      body: jpegWithPrecision(progressiveJpeg, 0),
      expectStatus: 422,
    },
    {
      name: "hostile: JPEG declaring 12-bit samples",
      body: jpegWithPrecision(progressiveJpeg, 12),
      expectStatus: 415,
    },
  ];
}

const text = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
};

/** A multipart/form-data body built by hand, so headers and boundaries can be wrong on purpose. */
export function multipartBody(
  boundary: string,
  parts: { name: string; filename?: Uint8Array | string; data: Uint8Array }[],
): Uint8Array<ArrayBuffer> {
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    const filename =
      part.filename === undefined
        ? new Uint8Array(0)
        : concat(
            text('; filename="'),
            typeof part.filename === "string" ? text(part.filename) : part.filename,
            text('"'),
          );
    chunks.push(
      text(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`),
      filename,
      text("\r\nContent-Type: application/octet-stream\r\n\r\n"),
      part.data,
      text("\r\n"),
    );
  }
  chunks.push(text(`--${boundary}--\r\n`));
  return concat(...chunks);
}

/** Build the corpus from a few valid encodings of one photo. At least `minCases` cases. */
export function buildMalformedCorpus(
  valid: {
    jpeg: Uint8Array;
    png: Uint8Array;
    webp: Uint8Array;
    gif: Uint8Array;
    progressiveJpeg?: Uint8Array;
  },
  options: { seed: number; maxBytes: number; minCases?: number },
): CorpusCase[] {
  // mulberry32 seeded as-is, so a failing case reproduces from its name and the seed.
  const random = mulberry32(options.seed);
  const int = (n: number) => Math.floor(random() * n);
  const cases: CorpusCase[] = [];
  const formats = Object.entries(valid).filter(([name]) => name !== "progressiveJpeg") as [
    string,
    Uint8Array,
  ][];

  // Truncations, at header, early and late positions.
  for (const [format, bytes] of formats) {
    for (const cut of [1, 2, 3, 4, 8, 12, 16, 24, 33, 64, 100]) {
      cases.push({ name: `${format} truncated to ${cut} bytes`, body: bytes.slice(0, cut) });
    }
    for (let i = 0; i < 60; i++) {
      const cut = 16 + int(bytes.byteLength - 32);
      cases.push({
        name: `${format} truncated to ${cut} of ${bytes.byteLength} bytes`,
        body: bytes.slice(0, cut),
      });
    }
  }
  // Bit flips: in the first 256 bytes (headers) and anywhere.
  for (const [format, bytes] of formats) {
    for (let i = 0; i < 90; i++) {
      const body = bytes.slice();
      const flips = 1 + int(i < 45 ? 4 : 40);
      const positions: number[] = [];
      for (let f = 0; f < flips; f++) {
        const at = i < 45 ? int(Math.min(256, body.byteLength)) : int(body.byteLength);
        body[at] = (body[at] as number) ^ (1 << int(8));
        positions.push(at);
      }
      cases.push({ name: `${format} with bits flipped at ${positions.join(",")}`, body, mayDecode: true });
    }
  }
  // Wrong magic and non-images.
  const magics: [string, Uint8Array][] = [
    ["text", text("hello, this is not an image")],
    ["html", text("<!doctype html><html><body>hi</body></html>")],
    ["json", text('{"image":"data:image/png;base64,AAAA"}')],
    ["pdf", text("%PDF-1.7\n%âãÏÓ\n1 0 obj <<>> endobj")],
    ["zip", new Uint8Array([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0])],
    ["bmp", concat(text("BM"), new Uint8Array(60))],
    ["tiff", new Uint8Array([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 0, 0])],
    ["riff wave", concat(text("RIFF"), new Uint8Array([36, 0, 0, 0]), text("WAVEfmt "))],
    ["gif magic only", text("GIF89a")],
    ["png magic only", new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10])],
    ["jpeg SOI only", new Uint8Array([0xff, 0xd8])],
    ["jpeg SOI + EOI", new Uint8Array([0xff, 0xd8, 0xff, 0xd9])],
    ["webp RIFF without VP8", concat(text("RIFF"), new Uint8Array([4, 0, 0, 0]), text("WEBP"))],
    ["utf-16 text", new Uint8Array([0xff, 0xfe, 0x68, 0, 0x69, 0])],
  ];
  for (const [name, body] of magics) cases.push({ name: `wrong magic: ${name}`, body: concat(body) });
  for (let i = 0; i < 60; i++) {
    const body = new Uint8Array(1 + int(4096));
    for (let b = 0; b < body.length; b++) body[b] = int(256);
    cases.push({ name: `random bytes #${i} (${body.length})`, body });
  }
  // Valid magic, garbage after it.
  for (const [format, bytes] of formats) {
    for (let i = 0; i < 20; i++) {
      const keep = 4 + int(12);
      const body = new Uint8Array(keep + 1 + int(2048));
      body.set(bytes.slice(0, keep));
      for (let b = keep; b < body.length; b++) body[b] = int(256);
      cases.push({ name: `${format} magic + ${body.length - keep} random bytes`, body });
    }
  }
  // Decompression bombs: headers claiming absurd sizes.
  for (const [w, h] of [
    [20000, 20000],
    [65535, 65535],
    [100000, 100000],
    [2147483647, 1],
    [0, 0],
    [1, 0],
    [4096, 1_000_000],
  ] as const) {
    cases.push({ name: `png header claiming ${w}×${h}`, body: pngHeaderClaiming(w, h) });
  }
  for (const [w, h] of [
    [65000, 65000],
    [30000, 20000],
    [0, 100],
  ] as const) {
    cases.push({ name: `jpeg SOF claiming ${w}×${h}`, body: withJpegSize(valid.jpeg, w, h) });
  }
  for (const [w, h] of [
    [65535, 65535],
    [30000, 30000],
    [0, 0],
  ] as const) {
    const gif = valid.gif.slice();
    new DataView(gif.buffer).setUint16(6, w, true);
    new DataView(gif.buffer).setUint16(8, h, true);
    cases.push({ name: `gif screen claiming ${w}×${h}`, body: gif });
  }
  cases.push({ name: "webp VP8X canvas claiming 16384×16384", body: webpVp8x(16384, 16384) });
  // Structure-aware hostile classes (bombs, second IHDR, oversized GIF frames, many scans, …).
  if (valid.progressiveJpeg) cases.push(...hostileCases(valid.progressiveJpeg));
  // Zero bytes.
  cases.push({ name: "empty body", body: new Uint8Array(0) });
  for (const n of [1, 2, 16, 1000, 65536]) cases.push({ name: `${n} zero bytes`, body: new Uint8Array(n) });
  // Multipart, wrong in every way we could think of.
  const boundary = "marqueeFuzzBoundary";
  const mp = `multipart/form-data; boundary=${boundary}`;
  const jpeg = valid.jpeg;
  cases.push(
    {
      name: "multipart without image field",
      contentType: mp,
      body: multipartBody(boundary, [{ name: "file", filename: "a.jpg", data: jpeg }]),
    },
    {
      name: "multipart with several image files",
      contentType: mp,
      body: multipartBody(boundary, [
        { name: "image", filename: "a.jpg", data: jpeg },
        { name: "image", filename: "b.jpg", data: jpeg },
      ]),
    },
    {
      name: "multipart image as text",
      contentType: mp,
      body: multipartBody(boundary, [{ name: "image", data: text("not a file") }]),
    },
    {
      name: "multipart empty image file",
      contentType: mp,
      body: multipartBody(boundary, [{ name: "image", filename: "a.jpg", data: new Uint8Array(0) }]),
    },
    {
      name: "multipart with wrong boundary",
      contentType: "multipart/form-data; boundary=other",
      body: multipartBody(boundary, [{ name: "image", filename: "a.jpg", data: jpeg }]),
    },
    {
      name: "multipart without boundary parameter",
      contentType: "multipart/form-data",
      body: multipartBody(boundary, [{ name: "image", filename: "a.jpg", data: jpeg }]),
    },
    {
      name: "multipart without closing boundary",
      contentType: mp,
      body: multipartBody(boundary, [{ name: "image", filename: "a.jpg", data: jpeg }]).slice(0, -10),
    },
    {
      name: "multipart with only a closing boundary",
      contentType: mp,
      body: concat(text(`--${boundary}--\r\n`)),
    },
    { name: "multipart empty body", contentType: mp, body: new Uint8Array(0) },
    { name: "multipart garbage", contentType: mp, body: concat(text("this is not multipart at all")) },
    {
      name: "multipart image holding text",
      contentType: mp,
      body: multipartBody(boundary, [{ name: "image", filename: "notes.txt", data: text("just notes") }]),
    },
    {
      name: "multipart image holding a truncated jpeg",
      contentType: mp,
      body: multipartBody(boundary, [{ name: "image", filename: "cut.jpg", data: jpeg.slice(0, 500) }]),
    },
  );
  for (let i = 0; i < 20; i++) {
    const name = new Uint8Array(4 + int(30));
    for (let b = 0; b < name.length; b++) name[b] = 0x80 + int(0x80);
    const data = i % 2 === 0 ? jpeg.slice(0, 50 + int(jpeg.length - 100)) : text("text, not image");
    cases.push({
      name: `multipart with non-UTF-8 filename #${i}`,
      contentType: mp,
      body: multipartBody(boundary, [{ name: "image", filename: name, data }]),
      mayDecode: i % 2 === 0,
    });
  }
  // Huge bodies: just over the limit, raw and multipart.
  const huge = new Uint8Array(options.maxBytes + 1);
  huge.set(jpeg);
  cases.push({ name: "raw body 1 byte over MAX_BYTES", body: huge });
  cases.push({
    name: "multipart with an image over MAX_BYTES",
    contentType: mp,
    body: multipartBody(boundary, [{ name: "image", filename: "huge.jpg", data: huge }]),
  });
  cases.push({
    name: "multipart body far over MAX_BYTES",
    contentType: mp,
    body: multipartBody(boundary, [
      { name: "image", filename: "huge.jpg", data: new Uint8Array(options.maxBytes + 200_000) },
    ]),
  });

  // Top up with more seeded truncations and flips until the corpus is big enough.
  for (let i = 0; cases.length < (options.minCases ?? 0); i++) {
    const [format, bytes] = formats[i % formats.length] as [string, Uint8Array];
    const cut = 8 + int(bytes.byteLength - 16);
    const body = bytes.slice(0, cut);
    const at = int(body.length);
    body[at] = (body[at] as number) ^ 0xff;
    cases.push({ name: `${format} truncated to ${cut} with a byte inverted (#${i})`, body });
  }
  return cases;
}

function withJpegSize(jpeg: Uint8Array, width: number, height: number): Uint8Array<ArrayBuffer> {
  const out = jpeg.slice();
  for (let i = 2; i + 9 < out.length; ) {
    if (out[i] !== 0xff) break;
    const marker = out[i + 1] as number;
    const length = ((out[i + 2] as number) << 8) | (out[i + 3] as number);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      out[i + 5] = height >> 8;
      out[i + 6] = height & 0xff;
      out[i + 7] = width >> 8;
      out[i + 8] = width & 0xff;
      return out;
    }
    i += 2 + length;
  }
  throw new Error("no SOF marker found in the fixture JPEG");
}

function webpVp8x(width: number, height: number): Uint8Array<ArrayBuffer> {
  const chunk = new Uint8Array(10);
  const w = width - 1;
  const h = height - 1;
  chunk.set([
    0,
    0,
    0,
    0,
    w & 0xff,
    (w >> 8) & 0xff,
    (w >> 16) & 0xff,
    h & 0xff,
    (h >> 8) & 0xff,
    (h >> 16) & 0xff,
  ]);
  const size = new Uint8Array(4);
  new DataView(size.buffer).setUint32(0, 4 + 8 + chunk.length, true);
  const chunkSize = new Uint8Array([10, 0, 0, 0]);
  return concat(text("RIFF"), size, text("WEBP"), text("VP8X"), chunkSize, chunk);
}
