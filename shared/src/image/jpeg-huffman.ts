import { MarqueeError } from "../errors.ts";

const FAST_BITS = 9;
/**
 * Lookahead of {@link buildValueLookup}'s tables: 2048 entries (8 KB, in L1) catch ~99 % of the AC
 * coefficients of a noisy q92 photo; 9 and 10 bits measured slower, 12 no faster.
 */
export const VALUE_BITS = 11;

/**
 * A canonical JPEG Huffman table (DHT): a 9-bit lookup for the common short codes and the
 * maxcode/valptr walk of the JPEG spec (F.2.2.3) for longer ones. Building costs ~512 steps, so a
 * file with thousands of DHT segments cannot make table building expensive; the larger
 * `valueLookup` is only built for tables a scan uses.
 */
export interface HuffmanTable {
  /** (length << 8) | value for codes of at most 9 bits, 0 where the prefix is longer or unused. */
  fast: Uint16Array;
  /** Largest code of each length 1..16 (-1 when there is none). */
  maxcode: Int32Array;
  /** Index into `values` of the first code of each length, minus that code. */
  valptr: Int32Array;
  values: Uint8Array;
  /** How many codes each length 1..16 has (the DHT counts). */
  counts: Uint8Array;
  /**
   * Symbol and coefficient value in one lookup ({@link buildValueLookup}), needed by
   * {@link BitReader.decodeDc}, `decodeAc` and `decodeAcBlock`; null until a scan uses the table.
   */
  valueLookup: Int32Array | null;
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
  return { fast, maxcode, valptr, values, counts: Uint8Array.from(counts), valueLookup: null };
}

/**
 * stb_image's "fast AC" table, for DC tables too: for every {@link VALUE_BITS}-bit prefix whose
 * Huffman code and magnitude bits both fit in it, `(value << 12) | (symbol << 4) | bits`, where
 * `value` is the coefficient already sign-extended (F.2.2.1 EXTEND; 0 for EOB/ZRL) and `bits` the
 * code length plus the magnitude size; 0 elsewhere. The common coefficient is then one lookup and
 * one shift instead of a symbol decode, a second read and an extend. For a DC table the symbol is
 * the magnitude size, for an AC table its low nibble is.
 */
export function buildValueLookup(table: HuffmanTable, dc: boolean): Int32Array {
  const lookup = new Int32Array(1 << VALUE_BITS);
  const { counts, values } = table;
  let code = 0;
  let k = 0;
  for (let len = 1; len <= VALUE_BITS; len++) {
    for (let i = 0; i < counts[len - 1]!; i++, k++, code++) {
      const symbol = values[k]!;
      const size = dc ? symbol : symbol & 15;
      const shift = VALUE_BITS - len;
      if (size > shift) continue; // the magnitude does not fit: the slow path reads it
      const base = code << shift;
      for (let j = 0; j < 1 << shift; j++) {
        const magnitude = j >> (shift - size);
        const value = size === 0 || magnitude >> (size - 1) ? magnitude : magnitude - (1 << size) + 1;
        lookup[base + j] = (value << 12) | (symbol << 4) | (len + size);
      }
    }
    code <<= 1;
  }
  return lookup;
}

/**
 * Reads entropy-coded bits from one scan: removes FF00 stuffing, stops at a marker and feeds zeros
 * past it (as libjpeg does), and remembers whether any of those zeros were actually consumed, which
 * means the data ended early.
 */
export class BitReader {
  pos: number;
  /** The next `count` bits, left-aligned (the next bit is bit 31); the bits below them are zero. */
  private buf = 0;
  private count = 0;
  /**
   * Zero bits fed since the marker. From the marker on every fill adds to both this and `count`,
   * so `padding - count` only grows (as bits are consumed), and it is positive exactly when a
   * consumed bit was padding: {@link overran} compares the two, and the hot paths keep no tally.
   */
  private padding = 0;
  private atMarker = false;
  /** Where the next 0xFF byte (or the end of the data) is: the bytes from `pos` up to it are plain data. */
  private plainEnd = 0;
  /** Padding was consumed before the last restart. */
  private overranEarlier = false;

  constructor(
    private readonly data: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }

  /** True once decoding consumed padding: the scan's data ended before its blocks did. */
  get overran(): boolean {
    return this.overranEarlier || this.count < this.padding;
  }

  /** Tops the buffer up to at least 25 bits, with zeros once the data reaches a marker. */
  private fill(): void {
    const data = this.data;
    let buf = this.buf;
    let count = this.count;
    let pos = this.pos;
    while (count <= 24) {
      if (pos < this.plainEnd) {
        buf |= data[pos++]! << (24 - count);
        count += 8;
      } else if (this.atMarker) {
        // Zero bytes up to 25 bits or more; the buffer's low bits are zero already.
        const pad = ((24 - count) & ~7) + 8;
        count += pad;
        this.padding += pad;
      } else if (pos + 1 < data.length && data[pos] === 0xff && data[pos + 1] === 0) {
        buf |= 0xff << (24 - count); // stuffed FF00
        count += 8;
        pos += 2;
        this.plainEnd = plainBytesEnd(data, pos);
      } else if (pos < data.length && data[pos] !== 0xff) {
        this.plainEnd = plainBytesEnd(data, pos); // the first fill, or the first after a restart
      } else this.atMarker = true; // a marker, or the end of the data: stay before it
    }
    this.buf = buf;
    this.count = count;
    this.pos = pos;
  }

  /** The next `n` (1..16) bits as an unsigned number. */
  bits(n: number): number {
    if (n === 0) return 0;
    if (this.count < n) this.fill();
    const v = this.buf >>> (32 - n);
    this.buf <<= n;
    this.count -= n;
    return v;
  }

  bit(): number {
    if (this.count < 1) this.fill();
    const v = this.buf >>> 31;
    this.buf <<= 1;
    this.count--;
    return v;
  }

  /** `s` bits read as a JPEG signed magnitude (F.2.2.1 EXTEND). */
  receiveExtend(s: number): number {
    if (s === 0) return 0;
    if (s > 16) throw corrupt("JPEG data is corrupt (coefficient magnitude over 16 bits)");
    if (this.count < s) this.fill();
    const buf = this.buf;
    const v = buf >>> (32 - s);
    this.buf = buf << s;
    this.count -= s;
    // A leading 1 (buf < 0) means a positive value.
    return buf < 0 ? v : v - (1 << s) + 1;
  }

  /** Decodes one Huffman symbol. Throws corrupt_image on a code the table does not have. */
  decode(table: HuffmanTable): number {
    if (this.count < 16) this.fill();
    const entry = table.fast[this.buf >>> (32 - FAST_BITS)]!;
    if (entry === 0) return this.decodeLong(table);
    const len = entry >> 8;
    this.buf <<= len;
    this.count -= len;
    return entry & 0xff;
  }

  /** The maxcode walk for a code longer than the fast table's; at least 16 bits are buffered. */
  private decodeLong(table: HuffmanTable): number {
    const buf = this.buf;
    let len = FAST_BITS + 1;
    let code = buf >>> (32 - len);
    while (code > table.maxcode[len]!) {
      len++;
      if (len > 16) throw corrupt("JPEG data is corrupt (a Huffman code its table does not define)");
      code = buf >>> (32 - len);
    }
    this.buf = buf << len;
    this.count -= len;
    const index = table.valptr[len]! + code;
    if (index < 0 || index >= table.values.length) throw corrupt("JPEG data is corrupt (bad Huffman code)");
    return table.values[index]!;
  }

  /**
   * Decodes an AC symbol and the coefficient it codes: returns `(value << 8) | rs`, `value` the
   * sign-extended coefficient (0 for EOB/ZRL/EOBRUN symbols), `rs` the run/size symbol.
   * `table.valueLookup` must be built (AC).
   */
  decodeAc(table: HuffmanTable): number {
    if (this.count < 16) this.fill();
    const entry = table.valueLookup![this.buf >>> (32 - VALUE_BITS)]!;
    if (entry === 0) {
      const rs = this.decode(table);
      return (this.receiveExtend(rs & 15) << 8) | rs;
    }
    const n = entry & 15;
    this.buf <<= n;
    this.count -= n;
    return entry >> 4;
  }

  /**
   * Decodes the AC coefficients of one sequential block (after its DC) and dequantises the ones a
   * reduced IDCT reads straight into `block`: `slot` maps a zig-zag position to its natural index,
   * or to 64 (a slot nobody reads, with `quant[64]` = 0) for the coefficients that are only
   * decoded to advance the bits. Returns how many were written, their natural indices in `written`.
   * This is the decoder's hot loop (~90 % of the entropy decoding of a baseline photo): it lives
   * here so the bit buffer stays in locals, and refills two plain bytes at a time inline.
   */
  decodeAcBlock(
    table: HuffmanTable,
    slot: Uint8Array,
    quant: Float64Array,
    block: Float64Array,
    written: Uint8Array,
  ): number {
    const lookup = table.valueLookup!;
    const data = this.data;
    let buf = this.buf;
    let count = this.count;
    let n = 0;
    for (let k = 1; k < 64; ) {
      if (count < 16) {
        const pos = this.pos;
        if (pos + 2 <= this.plainEnd) {
          // Neither byte is 0xFF nor past the end: what fill() would do, without its checks.
          buf |= ((data[pos]! << 8) | data[pos + 1]!) << (16 - count);
          count += 16;
          this.pos = pos + 2;
        } else {
          this.buf = buf;
          this.count = count;
          this.fill();
          buf = this.buf;
          count = this.count;
        }
      }
      let coef = lookup[buf >>> (32 - VALUE_BITS)]!;
      if (coef !== 0) {
        const len = coef & 15;
        buf <<= len;
        count -= len;
        coef >>= 4;
      } else {
        this.buf = buf;
        this.count = count;
        const rs = this.decode(table);
        coef = (this.receiveExtend(rs & 15) << 8) | rs;
        buf = this.buf;
        count = this.count;
      }
      const run = (coef >> 4) & 15;
      if ((coef & 15) === 0) {
        if (run < 15) break; // end of block
        k += 16;
        continue;
      }
      k += run;
      if (k > 63) break;
      const z = slot[k]!;
      block[z] = (coef >> 8) * quant[z]!;
      written[n] = z;
      n += (z >> 6) ^ 1; // the unread slot is not counted
      k++;
    }
    this.buf = buf;
    this.count = count;
    return n;
  }

  /** Decodes a DC difference (symbol and magnitude). `table.valueLookup` must be built (DC). */
  decodeDc(table: HuffmanTable): number {
    if (this.count < 16) this.fill();
    const entry = table.valueLookup![this.buf >>> (32 - VALUE_BITS)]!;
    if (entry === 0) return this.receiveExtend(this.decode(table));
    const n = entry & 15;
    this.buf <<= n;
    this.count -= n;
    return entry >> 12;
  }

  /** Drops buffered bits and steps over an expected RSTn marker (restart interval boundary). */
  restart(): void {
    if (this.count < this.padding) this.overranEarlier = true;
    this.buf = 0;
    this.count = 0;
    this.padding = 0;
    this.atMarker = false;
    this.plainEnd = 0;
    const data = this.data;
    // Skip to the marker; well-formed data has it right here, damaged data may not.
    while (this.pos + 1 < data.length && !(data[this.pos] === 0xff && data[this.pos + 1] !== 0)) this.pos++;
    if (this.pos + 1 < data.length && data[this.pos + 1]! >= 0xd0 && data[this.pos + 1]! <= 0xd7)
      this.pos += 2;
  }
}

/** The index of the first 0xFF at or after `from`, or the data's length. */
function plainBytesEnd(data: Uint8Array, from: number): number {
  const ff = data.indexOf(0xff, from);
  return ff < 0 ? data.length : ff;
}

function corrupt(message: string): MarqueeError {
  return new MarqueeError("corrupt_image", message);
}
