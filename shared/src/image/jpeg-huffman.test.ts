// The entropy decoder's fast paths against the plain ones: the value lookups against a canonical
// decode written out here, the reader's one-lookup decodes against symbol-then-magnitude, and the
// bit buffer's stuffing, marker, truncation and restart behaviour.
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { isMarqueeError } from "../errors.ts";
import {
  BitReader,
  buildHuffmanTable,
  buildValueLookup,
  type HuffmanTable,
  VALUE_BITS,
} from "./jpeg-huffman.ts";
import { walkJpeg } from "./jpeg-structure.ts";
import { u8 } from "./test-fixtures.ts";

interface DhtTable {
  name: string;
  dc: boolean;
  counts: Uint8Array;
  values: Uint8Array;
}

let seed = 99;
function random(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
}

/** Every DHT table of a JPEG. */
function dhtTables(bytes: Uint8Array, name: string): DhtTable[] {
  const tables: DhtTable[] = [];
  for (const seg of walkJpeg(bytes).segments) {
    if (seg.marker !== 0xc4) continue;
    for (let o = seg.start; o < seg.start + seg.length; ) {
      const counts = bytes.slice(o + 1, o + 17);
      const total = counts.reduce((a, b) => a + b, 0);
      const kind = bytes[o]! >> 4 === 0 ? "DC" : "AC";
      tables.push({
        name: `${name} ${kind}${bytes[o]! & 15}`,
        dc: kind === "DC",
        counts,
        values: bytes.slice(o + 17, o + 17 + total),
      });
      o += 17 + total;
    }
  }
  return tables;
}

/** Real tables: libjpeg's standard ones, and the optimised ones of a noisy photo-like image. */
let realTables: DhtTable[];
beforeAll(async () => {
  const width = 96;
  const height = 64;
  const data = Buffer.alloc(width * height * 3);
  // A ramp with heavy noise: large magnitudes, long codes, tables far from the standard ones.
  for (let i = 0; i < data.length; i++) data[i] = (Math.floor(i / 3) % width) * 2 + Math.floor(random() * 60);
  const image = () => sharp(data, { raw: { width, height, channels: 3 } });
  realTables = [
    ...dhtTables(u8(await image().jpeg({ quality: 75, optimiseCoding: false }).toBuffer()), "standard"),
    ...dhtTables(u8(await image().jpeg({ quality: 92 }).toBuffer()), "optimised q92"),
    ...dhtTables(u8(await image().jpeg({ quality: 100, chromaSubsampling: "4:4:4" }).toBuffer()), "q100"),
  ];
});

/** The code a `VALUE_BITS`-bit prefix starts with, found by walking the canonical code from scratch. */
function canonicalCode(t: DhtTable, prefix: number): { symbol: number; length: number } | null {
  let code = 0;
  let k = 0;
  for (let length = 1; length <= VALUE_BITS; length++) {
    for (let i = 0; i < t.counts[length - 1]!; i++, k++, code++) {
      if (prefix >> (VALUE_BITS - length) === code) return { symbol: t.values[k]!, length };
    }
    code <<= 1;
  }
  return null;
}

/** Bits as bytes with FF00 stuffing, then an EOI marker. */
function entropyBytes(bits: number[]): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < bits.length; i += 8) {
    let byte = 0;
    for (let j = 0; j < 8; j++) byte = (byte << 1) | (bits[i + j] ?? 0);
    out.push(byte);
    if (byte === 0xff) out.push(0);
  }
  return Uint8Array.from([...out, 0xff, 0xd9]);
}

function bitsOf(value: number, width: number): number[] {
  return Array.from({ length: width }, (_, i) => (value >> (width - 1 - i)) & 1);
}

function randomBits(n: number): number[] {
  return Array.from({ length: n }, () => (random() < 0.5 ? 1 : 0));
}

function built(t: DhtTable): HuffmanTable {
  const table = buildHuffmanTable(t.counts, t.values);
  table.valueLookup = buildValueLookup(table, t.dc);
  return table;
}

describe("buildValueLookup", () => {
  it("has the slow path's symbol, value and length on every prefix of real tables", () => {
    expect(realTables.length).toBeGreaterThanOrEqual(8);
    for (const t of realTables) {
      const lookup = built(t).valueLookup!;
      let filled = 0;
      for (let prefix = 0; prefix < 1 << VALUE_BITS; prefix++) {
        const code = canonicalCode(t, prefix);
        const size = code === null ? 0 : t.dc ? code.symbol : code.symbol & 15;
        const entry = lookup[prefix]!;
        if (code === null || code.length + size > VALUE_BITS) {
          expect(entry, `${t.name} prefix ${prefix}`).toBe(0);
          continue;
        }
        filled++;
        const magnitude = (prefix >> (VALUE_BITS - code.length - size)) & ((1 << size) - 1);
        const value = size === 0 || magnitude >= 1 << (size - 1) ? magnitude : magnitude - (1 << size) + 1;
        expect([entry >> 12, (entry >> 4) & 0xff, entry & 15], `${t.name} prefix ${prefix}`).toEqual([
          value,
          code.symbol,
          code.length + size,
        ]);
      }
      expect(filled).toBeGreaterThan(1 << (VALUE_BITS - 1)); // most of the code space
    }
  });

  it("decodeDc / decodeAc equal decode + receiveExtend on every prefix, leaving the same bits", () => {
    for (const t of realTables) {
      const table = built(t);
      for (let prefix = 0; prefix < 1 << VALUE_BITS; prefix++) {
        // The prefix, then random bits: long codes and magnitudes run past the lookahead.
        const data = entropyBytes([...bitsOf(prefix, VALUE_BITS), ...randomBits(45)]);
        const slow = new BitReader(data, 0);
        const fast = new BitReader(data, 0);
        let expected: string;
        try {
          const symbol = slow.decode(table);
          const value = slow.receiveExtend(t.dc ? symbol : symbol & 15);
          expected = t.dc ? `${value} ${slow.bits(16)}` : `${symbol} ${value} ${slow.bits(16)}`;
        } catch (err) {
          expected = isMarqueeError(err) ? err.message : String(err);
        }
        let actual: string;
        try {
          if (t.dc) actual = `${fast.decodeDc(table)} ${fast.bits(16)}`;
          else {
            const coef = fast.decodeAc(table);
            actual = `${coef & 0xff} ${coef >> 8} ${fast.bits(16)}`;
          }
        } catch (err) {
          actual = isMarqueeError(err) ? err.message : String(err);
        }
        expect(actual, `${t.name} prefix ${prefix}`).toBe(expected);
      }
    }
  });

  it("decodeAcBlock decodes random streams as the symbol-by-symbol loop does", () => {
    for (const t of realTables.filter((x) => !x.dc)) {
      const table = built(t);
      // ~20 stuffed 0xFF bytes, so the inline refill meets stuffing, and the marker at the end.
      const data = entropyBytes(randomBits(40_000));
      const slow = new BitReader(data, 0);
      const fast = new BitReader(data, 0);
      const slot = Uint8Array.from({ length: 64 }, (_, k) => (k % 3 === 2 ? 64 : k)); // some not read
      const quant = Float64Array.from({ length: 65 }, (_, i) => (i === 64 ? 0 : i + 1));
      const block = new Float64Array(65);
      const written = new Uint8Array(64);
      for (let b = 0; b < 2000 && !slow.overran; b++) {
        const expected: number[] = [];
        try {
          for (let k = 1; k < 64; ) {
            const rs = slow.decode(table);
            const value = slow.receiveExtend(rs & 15); // read even when the run overshoots, as libjpeg does
            if ((rs & 15) === 0) {
              if (rs >> 4 < 15) break;
              k += 16;
              continue;
            }
            k += rs >> 4;
            if (k > 63) break;
            if (slot[k]! < 64) expected.push(slot[k]!, value * quant[slot[k]!]!);
            k++;
          }
        } catch (err) {
          expect(() => fast.decodeAcBlock(table, slot, quant, block, written)).toThrow(
            (err as Error).message,
          );
          break;
        }
        const n = fast.decodeAcBlock(table, slot, quant, block, written);
        const actual = Array.from(written.subarray(0, n)).flatMap((z) => [z, block[z]!]);
        expect(actual, `${t.name} block ${b}`).toEqual(expected);
        block.fill(0);
        expect(fast.bits(7)).toBe(slow.bits(7));
      }
      expect(fast.overran).toBe(slow.overran);
    }
  });
});

describe("BitReader", () => {
  it("removes FF00 stuffing", () => {
    const reader = new BitReader(Uint8Array.from([0xff, 0x00, 0x12, 0xff, 0x00, 0xff, 0xd9]), 0);
    expect(reader.bits(8)).toBe(0xff);
    expect(reader.bits(12)).toBe(0x12f);
    expect(reader.bits(4)).toBe(0xf);
    expect(reader.overran).toBe(false);
  });

  it("stops at a marker, feeds zeros, and reports overrun only once a zero is consumed", () => {
    const reader = new BitReader(Uint8Array.from([0x00, 0xab, 0xcd, 0xff, 0xd9, 0x77]), 1);
    expect(reader.bits(16)).toBe(0xabcd); // the buffer already holds padding here
    expect(reader.overran).toBe(false);
    expect(reader.bits(16)).toBe(0);
    expect(reader.overran).toBe(true);
    expect(reader.pos).toBe(3); // stays before the marker
  });

  it("treats the end of the data like a marker", () => {
    const reader = new BitReader(Uint8Array.from([0xab, 0xcd]), 0);
    expect(reader.bits(15)).toBe(0xabcd >> 1);
    expect(reader.bit()).toBe(1);
    expect(reader.overran).toBe(false);
    expect(reader.bit()).toBe(0);
    expect(reader.overran).toBe(true);
  });

  it("restart drops buffered bits, steps over RSTn and keeps an earlier overrun", () => {
    const clean = new BitReader(Uint8Array.from([0xab, 0xff, 0xd0, 0xcd, 0xef, 0xff, 0xd9]), 0);
    expect(clean.bits(4)).toBe(0xa);
    clean.restart();
    expect(clean.bits(16)).toBe(0xcdef);
    expect(clean.overran).toBe(false);

    const short = new BitReader(Uint8Array.from([0xab, 0xff, 0xd1, 0xcd, 0xff, 0xd9]), 0);
    expect(short.bits(12)).toBe(0xab0); // four bits of padding
    expect(short.overran).toBe(true);
    short.restart();
    expect(short.bits(8)).toBe(0xcd);
    expect(short.overran).toBe(true);
  });

  it("restart in damaged data skips to the next marker", () => {
    const reader = new BitReader(
      Uint8Array.from([0x12, 0x34, 0xff, 0x00, 0x56, 0xff, 0xd2, 0x9a, 0xff, 0xd9]),
      0,
    );
    expect(reader.bits(4)).toBe(0x1);
    reader.restart();
    expect(reader.bits(8)).toBe(0x9a);
  });
});
