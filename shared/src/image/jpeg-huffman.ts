import { MarqueeError } from "../errors.ts";

const FAST_BITS = 9;

/**
 * A canonical JPEG Huffman table (DHT): a 9-bit lookup for the common short codes and the
 * maxcode/valptr walk of the JPEG spec (F.2.2.3) for longer ones. Building costs ~512 steps, so a
 * file with thousands of DHT segments cannot make table building expensive.
 */
export interface HuffmanTable {
  /** (length << 8) | value for codes of at most 9 bits, 0 where the prefix is longer or unused. */
  fast: Uint16Array;
  /** Largest code of each length 1..16 (-1 when there is none). */
  maxcode: Int32Array;
  /** Index into `values` of the first code of each length, minus that code. */
  valptr: Int32Array;
  values: Uint8Array;
}

/** Builds a table from the DHT counts (16 entries) and symbols. Throws corrupt_image when they cannot form a prefix code. */
export function buildHuffmanTable(counts: Uint8Array, values: Uint8Array): HuffmanTable {
  const fast = new Uint16Array(1 << FAST_BITS);
  const maxcode = new Int32Array(18).fill(-1);
  const valptr = new Int32Array(18);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1]!;
    valptr[len] = k - code;
    for (let i = 0; i < n; i++, k++, code++) {
      if (len <= FAST_BITS) {
        const shift = FAST_BITS - len;
        const base = code << shift;
        for (let j = 0; j < 1 << shift; j++) fast[base + j] = (len << 8) | values[k]!;
      }
    }
    if (n > 0) maxcode[len] = code - 1;
    if (code > 1 << len) throw corrupt("JPEG has an invalid Huffman table (too many codes)");
    code <<= 1;
  }
  maxcode[17] = 0x7fffffff; // sentinel: a run of 16 ones that no code matches ends the walk
  return { fast, maxcode, valptr, values };
}

/**
 * Reads entropy-coded bits from one scan: removes FF00 stuffing, stops at a marker and feeds zeros
 * past it (as libjpeg does), and remembers whether any of those zeros were actually consumed, which
 * means the data ended early.
 */
export class BitReader {
  pos: number;
  private buf = 0;
  private count = 0;
  /** Buffered bits that came from the data; the rest (at the bottom) are zero padding fed after a marker. */
  private real = 0;
  private atMarker = false;
  /** True once decoding consumed padding: the scan's data ended before its blocks did. */
  overran = false;

  constructor(
    private readonly data: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }

  private fill(): void {
    const data = this.data;
    while (this.count <= 24) {
      let byte = 0;
      if (!this.atMarker && this.pos < data.length) {
        byte = data[this.pos]!;
        if (byte === 0xff) {
          const next = data[this.pos + 1];
          if (next === 0) this.pos += 2;
          else {
            byte = 0; // a marker: stay before it and pad with zeros
            this.atMarker = true;
          }
        } else this.pos++;
        if (!this.atMarker) this.real += 8;
      } else this.atMarker = true;
      this.buf = ((this.buf << 8) | byte) >>> 0;
      this.count += 8;
    }
  }

  private consume(n: number): void {
    this.count -= n;
    this.real -= n;
    if (this.real < 0) {
      this.overran = true;
      this.real = 0;
    }
  }

  /** The next `n` (1..16) bits as an unsigned number. */
  bits(n: number): number {
    if (n === 0) return 0;
    if (this.count < n) this.fill();
    const v = (this.buf >>> (this.count - n)) & ((1 << n) - 1);
    this.consume(n);
    return v;
  }

  bit(): number {
    if (this.count < 1) this.fill();
    const v = (this.buf >>> (this.count - 1)) & 1;
    this.consume(1);
    return v;
  }

  /** `s` bits read as a JPEG signed magnitude (F.2.2.1 EXTEND). */
  receiveExtend(s: number): number {
    if (s === 0) return 0;
    if (s > 16) throw corrupt("JPEG data is corrupt (coefficient magnitude over 16 bits)");
    const v = this.bits(s);
    return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
  }

  /** Decodes one Huffman symbol. Throws corrupt_image on a code the table does not have. */
  decode(table: HuffmanTable): number {
    if (this.count < 16) this.fill();
    const look = (this.buf >>> (this.count - FAST_BITS)) & ((1 << FAST_BITS) - 1);
    const entry = table.fast[look]!;
    if (entry !== 0) {
      this.consume(entry >> 8);
      return entry & 0xff;
    }
    let len = FAST_BITS + 1;
    let code = (this.buf >>> (this.count - len)) & ((1 << len) - 1);
    while (code > table.maxcode[len]!) {
      len++;
      if (len > 16) throw corrupt("JPEG data is corrupt (a Huffman code its table does not define)");
      code = (this.buf >>> (this.count - len)) & ((1 << len) - 1);
    }
    this.consume(len);
    const index = table.valptr[len]! + code;
    if (index < 0 || index >= table.values.length) throw corrupt("JPEG data is corrupt (bad Huffman code)");
    return table.values[index]!;
  }

  /** Drops buffered bits and steps over an expected RSTn marker (restart interval boundary). */
  restart(): void {
    this.buf = 0;
    this.count = 0;
    this.real = 0;
    this.atMarker = false;
    const data = this.data;
    // Skip to the marker; well-formed data has it right here, damaged data may not.
    while (this.pos + 1 < data.length && !(data[this.pos] === 0xff && data[this.pos + 1] !== 0)) this.pos++;
    if (this.pos + 1 < data.length && data[this.pos + 1]! >= 0xd0 && data[this.pos + 1]! <= 0xd7)
      this.pos += 2;
  }
}

function corrupt(message: string): MarqueeError {
  return new MarqueeError("corrupt_image", message);
}
