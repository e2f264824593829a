/**
 * A small zlib/deflate decoder (RFC 1950/1951) that writes into one reusable 64 KB buffer and hands
 * each new stretch of output to `onData`, so inflating a 10 MB PNG leaves no garbage behind (the
 * platform's DecompressionStream allocates a fresh buffer per chunk, which piled up to ~60 MB in a
 * 128 MB isolate). `onData` returns false to stop: nothing more is inflated. Input is a list of
 * byte ranges (PNG IDAT payloads) read in place. Huffman tables: a 10-bit lookup plus the canonical
 * walk for longer codes, so building one costs ~1 K steps however many blocks a hostile file has.
 * Throws `InflateError` on a corrupt stream.
 */

/** A corrupt deflate stream. */
export class InflateError extends Error {
  override readonly name = "InflateError";
}

const FAST = 10;
const WINDOW = 32768;
const BUFFER = 2 * WINDOW;

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
  227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

interface Table {
  /** (length << 16) | symbol for codes of at most FAST bits, indexed by the next FAST stream bits. */
  fast: Int32Array;
  counts: Uint16Array;
  symbols: Uint16Array;
}

function buildTable(lengths: Uint8Array, n: number): Table {
  const counts = new Uint16Array(16);
  for (let i = 0; i < n; i++) counts[lengths[i]!]!++;
  counts[0] = 0;
  const offsets = new Uint16Array(16);
  for (let len = 1; len < 16; len++) offsets[len] = offsets[len - 1]! + counts[len - 1]!;
  const symbols = new Uint16Array(n);
  for (let i = 0; i < n; i++) if (lengths[i]) symbols[offsets[lengths[i]!]!++] = i;
  // Canonical codes, bit-reversed for the LSB-first stream, spread over the fast table.
  const fast = new Int32Array(1 << FAST);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 15; len++) {
    for (let i = 0; i < counts[len]!; i++, k++, code++) {
      if (len > FAST) continue;
      let reversed = 0;
      for (let b = 0; b < len; b++) reversed |= ((code >> b) & 1) << (len - 1 - b);
      for (let fill = reversed; fill < 1 << FAST; fill += 1 << len) fast[fill] = (len << 16) | symbols[k]!;
    }
    code <<= 1;
  }
  return { fast, counts, symbols };
}

let fixedLiteral: Table | undefined;
let fixedDistance: Table | undefined;

function fixedTables(): [Table, Table] {
  if (!fixedLiteral || !fixedDistance) {
    const lengths = new Uint8Array(288);
    lengths.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
    fixedLiteral = buildTable(lengths, 288);
    fixedDistance = buildTable(new Uint8Array(30).fill(5), 30);
  }
  return [fixedLiteral, fixedDistance];
}

/**
 * Inflates the zlib stream spread over `parts`, calling `onData(buffer, start, end)` with each new
 * piece of output (valid only during the call). Returns `stopped: true` when `onData` asked to stop.
 *
 * @example
 * inflate([idat], (b, s, e) => { rows.push(b.subarray(s, e)); return true; });
 */
export function inflate(
  parts: Uint8Array[],
  onData: (buffer: Uint8Array, start: number, end: number) => boolean,
): { stopped: boolean } {
  let part = 0;
  let data = parts[0] ?? new Uint8Array(0);
  let pos = 0;
  let bits = 0;
  let count = 0;
  const nextByte = (): number => {
    while (pos >= data.length) {
      if (++part >= parts.length) throw new InflateError("the compressed data ends early");
      data = parts[part]!;
      pos = 0;
    }
    return data[pos++]!;
  };
  const need = (n: number) => {
    while (count < n) {
      bits |= nextByte() << count;
      count += 8;
    }
  };
  const take = (n: number): number => {
    need(n);
    const v = bits & ((1 << n) - 1);
    bits >>>= n;
    count -= n;
    return v;
  };
  /** Fills the bit buffer as far as the input allows, without failing at its end. */
  const fillSoft = () => {
    while (count <= 24) {
      if (pos >= data.length) {
        if (part + 1 >= parts.length) return;
        data = parts[++part]!;
        pos = 0;
        continue;
      }
      bits |= data[pos++]! << count;
      count += 8;
    }
  };
  const decode = (t: Table): number => {
    fillSoft();
    const entry = t.fast[bits & ((1 << FAST) - 1)]!;
    const len = entry >>> 16;
    if (len > 0 && len <= count) {
      bits >>>= len;
      count -= len;
      return entry & 0xffff;
    }
    // Longer than FAST bits (or near the end): the canonical walk, one bit at a time.
    let code = 0;
    let first = 0;
    let index = 0;
    for (let l = 1; l <= 15; l++) {
      code |= take(1);
      const c = t.counts[l]!;
      if (code - first < c) return t.symbols[index + code - first]!;
      index += c;
      first = (first + c) << 1;
      code <<= 1;
    }
    throw new InflateError("the compressed data holds an invalid code");
  };

  const out = new Uint8Array(BUFFER);
  let o = 0; // write position
  let flushed = 0; // output before this was handed to onData
  let stopped = false;
  const flush = (): boolean => {
    if (o > flushed && !onData(out, flushed, o)) return false;
    flushed = o;
    if (o >= BUFFER - 258) {
      // Keep the last 32 KB (the window back-references may reach) at the front.
      out.copyWithin(0, o - WINDOW, o);
      o = WINDOW;
      flushed = WINDOW;
    }
    return true;
  };

  const cmf = take(8);
  const flg = take(8);
  if ((cmf & 15) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0 || flg & 32) {
    throw new InflateError("the zlib header is invalid");
  }
  let final = 0;
  const lengths = new Uint8Array(320);
  while (!final && !stopped) {
    final = take(1);
    const type = take(2);
    if (type === 0) {
      take(count % 8); // stored: skip to the byte boundary (whole bytes already buffered are kept)
      const len = take(16);
      const nlen = take(16);
      if ((len ^ 0xffff) !== nlen) throw new InflateError("a stored block's length is corrupt");
      for (let i = 0; i < len; i++) {
        out[o++] = take(8);
        if (o >= BUFFER - 258 && !flush()) {
          stopped = true;
          break;
        }
      }
      continue;
    }
    let lit: Table;
    let dist: Table;
    if (type === 1) [lit, dist] = fixedTables();
    else if (type === 2) {
      const hlit = take(5) + 257;
      const hdist = take(5) + 1;
      const hclen = take(4) + 4;
      lengths.fill(0);
      for (let i = 0; i < hclen; i++) lengths[CODE_LENGTH_ORDER[i]!] = take(3);
      const codeLengths = buildTable(lengths, 19);
      lengths.fill(0);
      for (let i = 0; i < hlit + hdist; ) {
        const sym = decode(codeLengths);
        if (sym < 16) lengths[i++] = sym;
        else {
          let repeat: number;
          let value = 0;
          if (sym === 16) {
            if (i === 0) throw new InflateError("a code-length repeat has nothing to repeat");
            value = lengths[i - 1]!;
            repeat = 3 + take(2);
          } else if (sym === 17) repeat = 3 + take(3);
          else repeat = 11 + take(7);
          if (i + repeat > hlit + hdist) throw new InflateError("code lengths overflow");
          lengths.fill(value, i, i + repeat);
          i += repeat;
        }
      }
      lit = buildTable(lengths.subarray(0, hlit), hlit);
      dist = buildTable(lengths.slice(hlit, hlit + hdist), hdist);
    } else throw new InflateError("the compressed data has an invalid block type");

    for (;;) {
      const sym = decode(lit);
      if (sym < 256) {
        out[o++] = sym;
      } else if (sym === 256) break;
      else {
        const li = sym - 257;
        if (li >= 29) throw new InflateError("the compressed data holds an invalid length");
        const length = LENGTH_BASE[li]! + take(LENGTH_EXTRA[li]!);
        const di = decode(dist);
        if (di >= 30) throw new InflateError("the compressed data holds an invalid distance");
        const distance = DIST_BASE[di]! + take(DIST_EXTRA[di]!);
        if (distance > o) throw new InflateError("a back-reference reaches before the start of the data");
        for (let i = 0; i < length; i++, o++) out[o] = out[o - distance]!;
      }
      if (o >= BUFFER - 258 && !flush()) {
        stopped = true;
        break;
      }
    }
  }
  if (!stopped && !flush()) stopped = true;
  return { stopped };
}
