import { MarqueeError } from "../errors.ts";
import { AreaReducer, BoxReducer, type RowReducer } from "./box-reducer.ts";
import { be16 } from "./bytes.ts";
import { BitReader, buildHuffmanTable, buildValueLookup, type HuffmanTable } from "./jpeg-huffman.ts";
import { coefficientsNeeded, idctDcOnly, idctScaled, LOW_FREQUENCIES } from "./jpeg-idct.ts";
import { type JpegFrame, type JpegSegment, walkJpeg } from "./jpeg-structure.ts";
import type { RgbImage } from "./types.ts";

/** Zig-zag position → natural (row-major) index in the 8×8 block. */
const ZIGZAG = new Uint8Array([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
]);
/** Natural index → zig-zag position. */
const UNZIGZAG = new Uint8Array(64);
for (let k = 0; k < 64; k++) UNZIGZAG[ZIGZAG[k]!] = k;

// Fixed-point YCbCr → RGB tables (JFIF), as libjpeg builds them.
const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = Math.round(1.402 * x);
  CB_B[i] = Math.round(1.772 * x);
  CR_G[i] = Math.round(-0.714136 * x * 65536);
  CB_G[i] = Math.round(-0.344136 * x * 65536) + 32768;
}

/** How a JPEG is decoded smaller: `idctScale` ∈ {1, 2, 4, 8} in the DCT, then a `boxFactor` box filter. */
export interface JpegReduction {
  idctScale: number;
  boxFactor: number;
}

/**
 * Chooses how to reduce a JPEG by an overall integer factor `reduction` (≥ 1): the DCT takes the
 * largest power of two up to the factor (a 1/2, 1/4 or 1/8 IDCT reads 4, 16 or 1 of the 64
 * coefficients, and progressive files keep only those), and a box filter the rest, which may be
 * fractional (3 = 1/2 DCT then 1.5×): an 8×8 IDCT plus a 3× box took ~45 % of a 12 MP decode.
 * The result is exactly `ceil(size / reduction)` either way.
 */
export function chooseJpegReduction(reduction: number): JpegReduction {
  const r = Math.max(1, Math.floor(reduction));
  let idctScale = 1;
  while (idctScale < 8 && idctScale * 2 <= r) idctScale *= 2;
  return { idctScale, boxFactor: r / idctScale };
}

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  /** Blocks per line and column including MCU padding (the storage grid). */
  blocksW: number;
  blocksH: number;
  /** Blocks that hold image data (a non-interleaved scan covers only these). */
  realW: number;
  realH: number;
  /** Output side of this component's reduced IDCT: larger than the luma's for subsampled chroma, so
   * 4:2:0 chroma at half size or less needs no upsampling (libjpeg does the same). */
  sc: number;
  /** Zig-zag coefficients kept per block (1, 5, 25 or 64). */
  keep: number;
  /** The natural positions its IDCT reads, and the zig-zag position of each. */
  natural: Uint8Array;
  zigzag: Uint8Array;
  /** The AC coefficients its IDCT reads, as zig-zag bits like `nonzero`'s. */
  readBits: Uint32Array;
  /** Zig-zag position → natural position when its IDCT reads it, else 64 (a slot it does not read). */
  slot: Uint8Array;
  /** Output column x → sample index in a row of `rows`. */
  columns: Int32Array;
  /** Whether `columns` maps every x to itself. */
  identityColumns: boolean;
  /** Dequantisation table (natural order, then a 0 for the unread slot 64), latched at the component's first scan. */
  quant: Float64Array | null;
  /** Progressive: the first `keep` zig-zag coefficients of every block. */
  coefs: Int16Array | null;
  /**
   * Progressive: which coefficients of each block are non-zero (bit k of two words), so refinement
   * scans visit only those: always below `keep`, at or beyond it only when `trackHigh`.
   */
  nonzero: Uint32Array | null;
  /** A refinement scan straddles `keep`: the AC scans above it are decoded too, for `nonzero`. */
  trackHigh: boolean;
  /** Samples of one MCU row at the reduced size: (blocksW·s) × (v·s). */
  rows: Uint8Array;
  pred: number;
}

interface ScanHeader {
  comps: Component[];
  td: number[];
  ta: number[];
  ss: number;
  se: number;
  ah: number;
  al: number;
}

/**
 * Decodes a JPEG (baseline, extended or progressive Huffman, 8-bit) straight to a reduced size:
 * each 8×8 block becomes (8 / idctScale)² pixels in the DCT domain, then rows stream through a box
 * filter. A sequential file never holds more than one MCU row of samples; a progressive one keeps
 * only the zig-zag coefficients the reduced IDCT needs (1, 5, 25 or 64 per block) and skips whole
 * scans whose frequencies it does not need. Stored orientation; the caller rotates.
 *
 * @example
 * const small = decodeJpegScaled(bytes, { idctScale: 2, boxFactor: 1 }); // half size
 */
export function decodeJpegScaled(bytes: Uint8Array, reduction: JpegReduction): RgbImage {
  const { segments, frame } = walkJpeg(bytes);
  return new ScaledDecoder(bytes, frame, reduction).run(segments);
}

class ScaledDecoder {
  private readonly s: number;
  private readonly comps: Component[];
  private readonly hmax: number;
  private readonly vmax: number;
  private readonly mcusX: number;
  private readonly mcusY: number;
  private readonly outW: number;
  private readonly outH: number;
  private readonly quant: (Uint16Array | null)[] = [null, null, null, null];
  private readonly dc: (HuffmanTable | null)[] = [null, null, null, null];
  private readonly ac: (HuffmanTable | null)[] = [null, null, null, null];
  private restartInterval = 0;
  private adobe: number | null = null;
  private eobrun = 0;
  private readonly reducer: RowReducer;
  /**
   * Dequantised coefficients of the block being decoded, natural order; all zero between blocks
   * (except in multi-scan sequential files, whose idctBlock overwrites all it reads). Entry 64 is
   * where coefficients the IDCT does not read are dumped.
   */
  private readonly block = new Float64Array(65);
  /** The natural positions written into `block`, to clear them afterwards. */
  private readonly written = new Uint8Array(64);
  private readonly rgbRow: Uint8Array;
  private readonly rgbClamped: Uint8ClampedArray;
  private streamed = false;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly frame: JpegFrame,
    reduction: JpegReduction,
  ) {
    this.s = 8 / reduction.idctScale;
    // A single-component frame is never interleaved: its MCU is one block whatever factors it declares.
    const parts =
      frame.components.length === 1 ? [{ ...frame.components[0]!, h: 1, v: 1 }] : frame.components;
    this.hmax = Math.max(...parts.map((c) => c.h));
    this.vmax = Math.max(...parts.map((c) => c.v));
    this.mcusX = Math.ceil(frame.width / (8 * this.hmax));
    this.mcusY = Math.ceil(frame.height / (8 * this.vmax));
    this.outW = Math.ceil((frame.width * this.s) / 8);
    this.outH = Math.ceil((frame.height * this.s) / 8);
    this.comps = parts.map((c) => {
      const blocksW = this.mcusX * c.h;
      const sc = componentScale(this.s, this.hmax / c.h, this.vmax / c.v);
      const columns = Int32Array.from(
        { length: this.outW },
        (_, x) => ((x * c.h * sc) / (this.hmax * this.s)) | 0,
      );
      return {
        ...c,
        sc,
        keep: coefficientsNeeded(sc),
        natural: LOW_FREQUENCIES[sc]!,
        zigzag: LOW_FREQUENCIES[sc]!.map((z) => UNZIGZAG[z]!),
        slot: Uint8Array.from(ZIGZAG, (z) => (LOW_FREQUENCIES[sc]!.includes(z) ? z : 64)),
        readBits: zigzagBits(LOW_FREQUENCIES[sc]!.map((z) => UNZIGZAG[z]!).filter((k) => k > 0)),
        columns,
        identityColumns: columns.every((column, x) => column === x),
        blocksW,
        blocksH: this.mcusY * c.v,
        realW: Math.ceil(Math.ceil((frame.width * c.h) / this.hmax) / 8),
        realH: Math.ceil(Math.ceil((frame.height * c.v) / this.vmax) / 8),
        quant: null,
        coefs: null,
        nonzero: null,
        trackHigh: false,
        rows: new Uint8Array(blocksW * sc * c.v * sc),
        pred: 0,
      };
    });
    const factor = reduction.boxFactor;
    const r = reduction.idctScale * factor;
    this.reducer = Number.isInteger(factor)
      ? new BoxReducer(this.outW, this.outH, factor)
      : new AreaReducer(this.outW, this.outH, Math.ceil(frame.width / r), Math.ceil(frame.height / r));
    this.rgbRow = new Uint8Array(this.outW * 3);
    this.rgbClamped = new Uint8ClampedArray(this.rgbRow.buffer);
  }

  run(segments: JpegSegment[]): RgbImage {
    const scans = segments.filter((seg) => seg.marker === 0xda).map((seg) => this.peekScan(seg));
    const progressive =
      this.frame.progressive || scans.length > 1 || scans[0]!.comps.length < this.comps.length;
    if (progressive) this.allocateCoefficients(scans);
    let scanIndex = 0;
    for (const seg of segments) {
      switch (seg.marker) {
        case 0xdb:
          this.readQuant(seg);
          break;
        case 0xc4:
          this.readHuffman(seg);
          break;
        case 0xdd:
          if (seg.length < 2) throw corrupt("JPEG restart interval (DRI) segment is too short");
          this.restartInterval = be16(this.bytes, seg.start);
          break;
        case 0xee:
          this.readAdobe(seg);
          break;
        case 0xda: {
          const scan = scans[scanIndex++]!;
          if (progressive) this.decodeProgressiveScan(scan, seg);
          else if (!this.streamed) this.decodeSequentialScan(scan, seg);
          break;
        }
      }
    }
    if (progressive) this.emitFromCoefficients();
    return this.reducer.finish();
  }

  private peekScan(seg: JpegSegment): ScanHeader {
    const b = this.bytes;
    const n = b[seg.start]!;
    if (n < 1 || n > 4 || seg.length < 4 + 2 * n) throw corrupt("JPEG scan header (SOS) is malformed");
    const comps: Component[] = [];
    const td: number[] = [];
    const ta: number[] = [];
    for (let i = 0; i < n; i++) {
      const id = b[seg.start + 1 + i * 2]!;
      const comp = this.comps.find((c) => c.id === id);
      if (!comp) throw corrupt(`JPEG scan names component ${id}, which the frame does not have`);
      comps.push(comp);
      td.push(b[seg.start + 2 + i * 2]! >> 4);
      ta.push(b[seg.start + 2 + i * 2]! & 15);
    }
    const o = seg.start + 1 + n * 2;
    const scan = { comps, td, ta, ss: b[o]!, se: b[o + 1]!, ah: b[o + 2]! >> 4, al: b[o + 2]! & 15 };
    if (this.frame.progressive) {
      const dcScan = scan.ss === 0;
      if (
        scan.se > 63 ||
        scan.ss > scan.se ||
        (dcScan && scan.se !== 0) ||
        (!dcScan && n !== 1) ||
        scan.al > 13
      ) {
        throw corrupt("JPEG progressive scan has invalid spectral or approximation parameters");
      }
    }
    return scan;
  }

  private readQuant(seg: JpegSegment): void {
    const b = this.bytes;
    let o = seg.start;
    const end = seg.start + seg.length;
    while (o < end) {
      const pq = b[o]! >> 4;
      const tq = b[o]! & 15;
      if (tq > 3 || pq > 1) throw corrupt("JPEG quantisation table (DQT) is malformed");
      const size = pq ? 128 : 64;
      if (o + 1 + size > end) throw corrupt("JPEG quantisation table (DQT) is too short");
      const table = new Uint16Array(64);
      for (let k = 0; k < 64; k++) table[ZIGZAG[k]!] = pq ? be16(b, o + 1 + k * 2) : b[o + 1 + k]!;
      this.quant[tq] = table;
      o += 1 + size;
    }
  }

  private readHuffman(seg: JpegSegment): void {
    const b = this.bytes;
    let o = seg.start;
    const end = seg.start + seg.length;
    while (o < end) {
      if (o + 17 > end) throw corrupt("JPEG Huffman table (DHT) is too short");
      const tc = b[o]! >> 4;
      const th = b[o]! & 15;
      if (tc > 1 || th > 3) throw corrupt("JPEG Huffman table (DHT) is malformed");
      const counts = b.subarray(o + 1, o + 17);
      let total = 0;
      for (const c of counts) total += c;
      if (total > 256 || o + 17 + total > end) throw corrupt("JPEG Huffman table (DHT) is malformed");
      const table = buildHuffmanTable(counts, b.subarray(o + 17, o + 17 + total));
      (tc === 0 ? this.dc : this.ac)[th] = table;
      o += 17 + total;
    }
  }

  private readAdobe(seg: JpegSegment): void {
    const b = this.bytes;
    if (
      seg.length >= 12 &&
      String.fromCharCode(
        b[seg.start]!,
        b[seg.start + 1]!,
        b[seg.start + 2]!,
        b[seg.start + 3]!,
        b[seg.start + 4]!,
      ) === "Adobe"
    ) {
      this.adobe = b[seg.start + 11]!;
    }
  }

  private latchQuant(comp: Component): void {
    if (comp.quant) return;
    const table = this.quant[comp.tq];
    if (!table)
      throw corrupt(`JPEG component ${comp.id} uses quantisation table ${comp.tq}, which is not defined`);
    comp.quant = new Float64Array(65);
    comp.quant.set(table);
  }

  private tables(
    scan: ScanHeader,
    i: number,
    needDc: boolean,
    needAc: boolean,
  ): [HuffmanTable, HuffmanTable] {
    const dc = this.dc[scan.td[i]!];
    const ac = this.ac[scan.ta[i]!];
    if ((needDc && !dc) || (needAc && !ac))
      throw corrupt("JPEG scan uses a Huffman table that is not defined");
    // Built here rather than per DHT: at most one per table and scan, and scans are capped.
    if (needDc) dc!.valueLookup ??= buildValueLookup(dc!, true);
    if (needAc) ac!.valueLookup ??= buildValueLookup(ac!, false);
    return [dc as HuffmanTable, ac as HuffmanTable];
  }

  // ---- sequential: one interleaved scan, decoded and emitted MCU row by MCU row ----

  private decodeSequentialScan(scan: ScanHeader, seg: JpegSegment): void {
    this.streamed = true;
    const reader = new BitReader(this.bytes, seg.dataStart!);
    const comps = this.comps;
    const tables = comps.map((_, i) => this.tables(scan, i, true, true));
    for (const c of comps) {
      this.latchQuant(c);
      c.pred = 0;
    }
    const block = this.block;
    const written = this.written;
    let mcu = 0;
    for (let my = 0; my < this.mcusY; my++) {
      for (let mx = 0; mx < this.mcusX; mx++) {
        if (this.restartInterval && mcu > 0 && mcu % this.restartInterval === 0) {
          reader.restart();
          for (const c of comps) c.pred = 0;
        }
        mcu++;
        for (let ci = 0; ci < comps.length; ci++) {
          const c = comps[ci]!;
          const [dcTable, acTable] = tables[ci]!;
          const sc = c.sc;
          const stride = c.blocksW * sc;
          const q = c.quant!;
          const slot = c.slot;
          for (let by = 0; by < c.v; by++) {
            for (let bx = 0; bx < c.h; bx++) {
              c.pred += reader.decodeDc(dcTable);
              // Dequantise straight into the natural-order block, only what the IDCT reads; the
              // other coefficients are decoded to advance the bits and dropped.
              const n = reader.decodeAcBlock(acTable, slot, q, block, written);
              const offset = by * sc * stride + (mx * c.h + bx) * sc;
              if (n === 0) idctDcOnly(c.pred * q[0]!, sc, c.rows, offset, stride);
              else {
                block[0] = c.pred * q[0]!;
                idctScaled(block, sc, c.rows, offset, stride);
                block[0] = 0;
                for (let i = 0; i < n; i++) block[written[i]!] = 0;
              }
            }
          }
        }
      }
      if (reader.overran) throw truncated();
      this.emitMcuRow(my);
    }
  }

  /** Dequantises the first coefficients of a zig-zag block and writes its reduced pixels. */
  private idctBlock(
    c: Component,
    zz: Int32Array | Int16Array,
    base: number,
    offset: number,
    stride: number,
  ): void {
    const block = this.block;
    const q = c.quant!;
    const natural = c.natural;
    const zigzag = c.zigzag;
    let ac = false;
    for (let i = 1; i < natural.length; i++) {
      const z = natural[i]!;
      const coef = zz[base + zigzag[i]!]!;
      block[z] = coef * q[z]!;
      if (coef !== 0) ac = true;
    }
    if (ac) {
      block[0] = zz[base]! * q[0]!;
      idctScaled(block, c.sc, c.rows, offset, stride);
    } else idctDcOnly(zz[base]! * q[0]!, c.sc, c.rows, offset, stride);
  }

  /**
   * {@link idctBlock} for a progressive block, whose `nonzero` bits say which coefficients to
   * dequantise: most blocks have few, and many none the IDCT reads.
   */
  private idctSparseBlock(c: Component, b: number, offset: number, stride: number): void {
    const zz = c.coefs!;
    const base = b * c.keep;
    const q = c.quant!;
    const dc = zz[base]! * q[0]!;
    const lo = c.nonzero![b * 2]! & c.readBits[0]!;
    const hi = c.nonzero![b * 2 + 1]! & c.readBits[1]!;
    if ((lo | hi) === 0) {
      idctDcOnly(dc, c.sc, c.rows, offset, stride);
      return;
    }
    const block = this.block;
    const written = this.written;
    let n = 0;
    for (let w = 0; w < 2; w++) {
      for (let bits = w === 0 ? lo : hi; bits !== 0; ) {
        const lowest = bits & -bits;
        bits ^= lowest;
        const k = w * 32 + 31 - Math.clz32(lowest);
        const z = ZIGZAG[k]!;
        block[z] = zz[base + k]! * q[z]!;
        written[n++] = z;
      }
    }
    block[0] = dc;
    idctScaled(block, c.sc, c.rows, offset, stride);
    block[0] = 0;
    for (let i = 0; i < n; i++) block[written[i]!] = 0;
  }

  // ---- progressive (or multi-scan sequential): coefficients kept, emitted at the end ----

  private allocateCoefficients(scans: ScanHeader[]): void {
    for (const c of this.comps) {
      const keep = c.keep;
      c.coefs = new Int16Array(c.blocksW * c.blocksH * keep);
      // A refinement scan that straddles `keep` must know which higher coefficients are already
      // non-zero, so every AC scan of that component is decoded to track them.
      c.trackHigh =
        keep < 64 &&
        scans.some((sc) => sc.comps.includes(c) && sc.ah > 0 && sc.ss > 0 && sc.ss < keep && sc.se >= keep);
      // Where only DC is kept, no AC scan is decoded and every block is flat: no bits needed. Else
      // the typical scan script (a refinement of 1..63) needs the high bits anyway.
      if (this.frame.progressive && keep > 1) c.nonzero = new Uint32Array(c.blocksW * c.blocksH * 2);
    }
  }

  private decodeProgressiveScan(scan: ScanHeader, seg: JpegSegment): void {
    const sequential = !this.frame.progressive;
    const ss = sequential ? 0 : scan.ss;
    const se = sequential ? 63 : scan.se;
    const ah = sequential ? 0 : scan.ah;
    const al = sequential ? 0 : scan.al;
    const dcScan = ss === 0;
    if (!dcScan && ss >= scan.comps[0]!.keep && !scan.comps[0]!.trackHigh) return; // frequencies the reduced IDCT never reads
    for (const c of scan.comps) this.latchQuant(c);
    const tables = scan.comps.map((_, i) => this.tables(scan, i, dcScan && ah === 0, !dcScan || sequential));
    const dcTables = tables.map((t) => t[0]);
    const acTables = tables.map((t) => t[1]);
    const reader = new BitReader(this.bytes, seg.dataStart!);
    for (const c of scan.comps) c.pred = 0;
    this.eobrun = 0;
    const mode = sequential ? 0 : dcScan ? (ah === 0 ? 1 : 2) : ah === 0 ? 3 : 4;
    const interval = this.restartInterval;
    let mcu = 0;
    if (scan.comps.length === 1) {
      const c = scan.comps[0]!;
      const dcTable = dcTables[0]!;
      const acTable = acTables[0]!;
      for (let by = 0; by < c.realH; by++) {
        for (let bx = 0; bx < c.realW; bx++) {
          if (interval && mcu > 0 && mcu % interval === 0) this.restart(reader, scan);
          mcu++;
          if (mode === 3 && this.eobrun > 0) {
            this.eobrun--; // an end-of-band run: nothing to decode for this block
            continue;
          }
          this.progressiveBlock(mode, reader, c, by * c.blocksW + bx, dcTable, acTable, ss, se, al);
        }
      }
    } else {
      for (let my = 0; my < this.mcusY; my++) {
        for (let mx = 0; mx < this.mcusX; mx++) {
          if (interval && mcu > 0 && mcu % interval === 0) this.restart(reader, scan);
          mcu++;
          for (let i = 0; i < scan.comps.length; i++) {
            const c = scan.comps[i]!;
            const dcTable = dcTables[i]!;
            const acTable = acTables[i]!;
            for (let y = 0; y < c.v; y++) {
              for (let x = 0; x < c.h; x++) {
                const b = (my * c.v + y) * c.blocksW + mx * c.h + x;
                this.progressiveBlock(mode, reader, c, b, dcTable, acTable, ss, se, al);
              }
            }
          }
        }
      }
    }
    if (reader.overran) throw truncated();
  }

  private restart(reader: BitReader, scan: ScanHeader): void {
    reader.restart();
    for (const c of scan.comps) c.pred = 0;
    this.eobrun = 0;
  }

  /** One block of a coefficient-keeping scan; `mode`: 0 sequential, 1 DC first, 2 DC refine, 3 AC first, 4 AC refine. */
  private progressiveBlock(
    mode: number,
    reader: BitReader,
    c: Component,
    b: number,
    dcTable: HuffmanTable,
    acTable: HuffmanTable,
    ss: number,
    se: number,
    al: number,
  ): void {
    switch (mode) {
      case 0:
        this.decodeSequentialBlock(reader, c, b, dcTable, acTable);
        return;
      case 1: {
        c.pred += reader.decodeDc(dcTable);
        c.coefs![b * c.keep] = c.pred * (1 << al);
        return;
      }
      case 2:
        if (reader.bit()) c.coefs![b * c.keep]! |= 1 << al;
        return;
      case 3:
        this.decodeAcFirst(reader, c, b, acTable, ss, se, al);
        return;
      default:
        this.decodeAcRefine(reader, c, b, acTable, ss, se, al);
    }
  }

  private decodeSequentialBlock(
    reader: BitReader,
    c: Component,
    b: number,
    dcTable: HuffmanTable,
    acTable: HuffmanTable,
  ): void {
    const coefs = c.coefs!;
    const base = b * c.keep;
    c.pred += reader.decodeDc(dcTable);
    coefs[base] = c.pred;
    for (let k = 1; k < 64; ) {
      const coef = reader.decodeAc(acTable);
      const run = (coef >> 4) & 15;
      if ((coef & 15) === 0) {
        if (run < 15) break;
        k += 16;
        continue;
      }
      k += run;
      if (k > 63) break;
      if (k < c.keep) coefs[base + k] = coef >> 8;
      k++;
    }
  }

  private decodeAcFirst(
    reader: BitReader,
    c: Component,
    b: number,
    table: HuffmanTable,
    ss: number,
    se: number,
    al: number,
  ): void {
    if (this.eobrun > 0) {
      this.eobrun--;
      return;
    }
    const keep = c.keep;
    const coefs = c.coefs!;
    const nonzero = c.nonzero!;
    const base = b * keep;
    const mbase = b * 2;
    for (let k = ss; k <= se; ) {
      const coef = reader.decodeAc(table);
      const run = (coef >> 4) & 15;
      if ((coef & 15) === 0) {
        if (run < 15) {
          this.eobrun = (1 << run) - 1 + reader.bits(run);
          break;
        }
        k += 16;
        continue;
      }
      k += run;
      if (k > 63) break;
      const w = mbase + (k >> 5);
      const bit = 1 << (k & 31);
      if (k < keep) {
        coefs[base + k] = (coef >> 8) * (1 << al);
        // Read back: a corrupt file's huge value can wrap to 0 in 16 bits, which is not non-zero.
        nonzero[w] = coefs[base + k] !== 0 ? nonzero[w]! | bit : nonzero[w]! & ~bit;
      } else if (c.trackHigh) nonzero[w]! |= bit;
      k++;
    }
  }

  private decodeAcRefine(
    reader: BitReader,
    c: Component,
    b: number,
    table: HuffmanTable,
    ss: number,
    se: number,
    al: number,
  ): void {
    const keep = c.keep;
    const coefs = c.coefs!;
    const nonzero = c.nonzero!;
    const base = b * keep;
    const mbase = b * 2;
    const p1 = 1 << al;
    const m1 = -1 << al;
    let k = ss;
    if (this.eobrun === 0) {
      for (; k <= se; k++) {
        const coef = reader.decodeAc(table);
        let r = (coef >> 4) & 15;
        const size = coef & 15;
        let value = 0;
        if (size) {
          if (size !== 1) throw corrupt("JPEG data is corrupt (bad refinement coefficient size)");
          value = coef > 0 ? p1 : m1;
        } else if (r !== 15) {
          this.eobrun = (1 << r) + reader.bits(r);
          break;
        }
        while (k <= se) {
          // Already non-zero: one correction bit. Zero: counts towards the run of zeros to skip.
          if ((nonzero[mbase + (k >> 5)]! & (1 << (k & 31))) !== 0) {
            if (reader.bit() && k < keep) {
              const v = coefs[base + k]!;
              if ((v & p1) === 0) coefs[base + k] = v >= 0 ? v + p1 : v + m1;
            }
          } else {
            if (r === 0) break;
            r--;
          }
          k++;
        }
        if (value && k <= se) {
          if (k < keep) coefs[base + k] = value;
          if (k < keep || c.trackHigh) nonzero[mbase + (k >> 5)]! |= 1 << (k & 31);
        }
      }
    }
    if (this.eobrun > 0) {
      // Every coefficient still non-zero in the band gets a correction bit: visit just those.
      for (let w = k >> 5; w <= se >> 5; w++) {
        const from = Math.max(k - w * 32, 0);
        const to = Math.min(se - w * 32, 31);
        let bits = nonzero[mbase + w]! & (-1 << from) & (-1 >>> (31 - to));
        while (bits !== 0) {
          const lowest = bits & -bits;
          bits ^= lowest;
          const kk = w * 32 + 31 - Math.clz32(lowest);
          if (reader.bit() && kk < keep) {
            const v = coefs[base + kk]!;
            if ((v & p1) === 0) coefs[base + kk] = v >= 0 ? v + p1 : v + m1;
          }
        }
      }
      this.eobrun--;
    }
  }

  private emitFromCoefficients(): void {
    for (const c of this.comps) {
      if (!c.quant) throw corrupt(`JPEG component ${c.id} has no scan`);
    }
    for (let my = 0; my < this.mcusY; my++) {
      for (const c of this.comps) {
        const sc = c.sc;
        const stride = c.blocksW * sc;
        for (let by = 0; by < c.v; by++) {
          const row = my * c.v + by;
          for (let bx = 0; bx < c.blocksW; bx++) {
            const b = row * c.blocksW + bx;
            const offset = by * sc * stride + bx * sc;
            if (c.nonzero) this.idctSparseBlock(c, b, offset, stride);
            else this.idctBlock(c, c.coefs!, b * c.keep, offset, stride);
          }
        }
      }
      this.emitMcuRow(my);
    }
  }

  // ---- colour: one MCU row of component samples → RGB rows → box filter ----

  private emitMcuRow(my: number): void {
    const s = this.s;
    const rowsPerMcu = this.vmax * s;
    const y0 = my * rowsPerMcu;
    const rows = Math.min(rowsPerMcu, this.outH - y0);
    const comps = this.comps;
    const out = this.rgbRow;
    // The same bytes: integer stores through it clamp to 0..255 without a branch.
    const clamped = this.rgbClamped;
    const w = this.outW;
    const kind = this.colourKind();
    const sameColumns = comps.every((c) => c.identityColumns);
    // Row yy of this MCU row reads row (yy·v·sc)/(vmax·s) of each component's samples.
    const base = (c: Component, yy: number) => (((yy * c.v * c.sc) / (this.vmax * s)) | 0) * c.blocksW * c.sc;
    for (let yy = 0; yy < rows; yy++) {
      const c0 = comps[0]!;
      const d0 = c0.rows;
      const b0 = base(c0, yy);
      const x0 = c0.columns;
      if (kind === "gray") {
        for (let x = 0, o = 0; x < w; x++, o += 3) out[o] = out[o + 1] = out[o + 2] = d0[b0 + x0[x]!]!;
      } else {
        const c1 = comps[1]!;
        const c2 = comps[2]!;
        const d1 = c1.rows;
        const d2 = c2.rows;
        const b1 = base(c1, yy);
        const b2 = base(c2, yy);
        const x1 = c1.columns;
        const x2 = c2.columns;
        if (kind === "ycc" && sameColumns) {
          // Every component has one sample per output column here (luma at s, chroma at its own
          // larger sc), the common reduced case: no column lookups.
          for (let x = 0, o = 0; x < w; x++, o += 3) {
            const y = d0[b0 + x]!;
            const cb = d1[b1 + x]!;
            const cr = d2[b2 + x]!;
            clamped[o] = y + CR_R[cr]!;
            clamped[o + 1] = y + ((CB_G[cb]! + CR_G[cr]!) >> 16);
            clamped[o + 2] = y + CB_B[cb]!;
          }
        } else if (kind === "ycc") {
          for (let x = 0, o = 0; x < w; x++, o += 3) {
            const y = d0[b0 + x0[x]!]!;
            const cb = d1[b1 + x1[x]!]!;
            const cr = d2[b2 + x2[x]!]!;
            clamped[o] = y + CR_R[cr]!;
            clamped[o + 1] = y + ((CB_G[cb]! + CR_G[cr]!) >> 16);
            clamped[o + 2] = y + CB_B[cb]!;
          }
        } else if (kind === "rgb") {
          for (let x = 0, o = 0; x < w; x++, o += 3) {
            out[o] = d0[b0 + x0[x]!]!;
            out[o + 1] = d1[b1 + x1[x]!]!;
            out[o + 2] = d2[b2 + x2[x]!]!;
          }
        } else {
          const c3 = comps[3]!;
          const d3 = c3.rows;
          const b3 = base(c3, yy);
          const x3 = c3.columns;
          const inverted = this.adobe !== null; // Adobe writes CMYK inverted (255 = no ink)
          for (let x = 0, o = 0; x < w; x++, o += 3) {
            let c = d0[b0 + x0[x]!]!;
            let m = d1[b1 + x1[x]!]!;
            let ye = d2[b2 + x2[x]!]!;
            const k = d3[b3 + x3[x]!]!;
            if (kind === "ycck") {
              // YCC → RGB gives the inverted C, M, Y (libjpeg's YCCK → CMYK).
              const r = c + CR_R[ye]!;
              const g = c + ((CB_G[m]! + CR_G[ye]!) >> 16);
              const b = c + CB_B[m]!;
              c = 255 - Math.max(0, Math.min(255, r));
              m = 255 - Math.max(0, Math.min(255, g));
              ye = 255 - Math.max(0, Math.min(255, b));
            }
            if (inverted) {
              out[o] = Math.round((c * k) / 255);
              out[o + 1] = Math.round((m * k) / 255);
              out[o + 2] = Math.round((ye * k) / 255);
            } else {
              out[o] = Math.round(((255 - c) * (255 - k)) / 255);
              out[o + 1] = Math.round(((255 - m) * (255 - k)) / 255);
              out[o + 2] = Math.round(((255 - ye) * (255 - k)) / 255);
            }
          }
        }
      }
      this.reducer.addRow(y0 + yy, out);
    }
  }

  private colourKind(): "gray" | "ycc" | "rgb" | "cmyk" | "ycck" {
    const n = this.comps.length;
    if (n === 1) return "gray";
    if (n === 4) return this.adobe === 2 ? "ycck" : "cmyk";
    if (this.adobe !== null) return this.adobe === 0 ? "rgb" : "ycc";
    const ids = this.comps.map((c) => c.id);
    return ids[0] === 0x52 && ids[1] === 0x47 && ids[2] === 0x42 ? "rgb" : "ycc";
  }
}

/** Zig-zag positions as bits of two words (bit k of 64). */
function zigzagBits(positions: Iterable<number>): Uint32Array {
  const bits = new Uint32Array(2);
  for (const k of positions) bits[k >> 5]! |= 1 << (k & 31);
  return bits;
}

/** The IDCT size of a component subsampled by (fx, fy) when luma uses `s`: s·f when that is a whole power of two up to 8. */
function componentScale(s: number, fx: number, fy: number): number {
  const f = Math.min(fx, fy);
  if (!Number.isInteger(f)) return s;
  let sc = s;
  while (sc * 2 <= Math.min(8, s * f)) sc *= 2;
  return sc;
}

function truncated(): MarqueeError {
  return corrupt("JPEG is truncated or corrupt: its image data ends before the last block");
}

function corrupt(message: string): MarqueeError {
  return new MarqueeError("corrupt_image", message);
}
