/**
 * Scaled inverse DCT: turns one 8×8 block of dequantised coefficients into s×s pixels (s = 8, 4, 2
 * or 1), libjpeg's scale_num/scale_denom idea. Only the s×s lowest frequencies are used, each
 * weighted by how a d×d box average (d = 8 / s) of the full-size reconstruction sees it, so the
 * output is the block's downscaled picture without ever computing the full 8×8.
 */

/** The 1-D basis for each supported output size: m[i·s + u] = C(u)/2 · cos((2i+1)uπ/2s) · A(u). */
const BASES: Record<number, Float64Array> = { 1: basis(1), 2: basis(2), 4: basis(4), 8: basis(8) };

function basis(s: number): Float64Array {
  const d = 8 / s;
  const m = new Float64Array(s * s);
  for (let i = 0; i < s; i++) {
    for (let u = 0; u < s; u++) {
      const c = u === 0 ? Math.SQRT1_2 : 1;
      // The mean of cos((2x+1)uπ/16) over the d samples x = d·i … d·i+d−1 (a Dirichlet kernel).
      const box = u === 0 ? 1 : Math.sin((d * u * Math.PI) / 16) / (d * Math.sin((u * Math.PI) / 16));
      m[i * s + u] = (c / 2) * Math.cos(((2 * i + 1) * u * Math.PI) / (2 * s)) * box;
    }
  }
  return m;
}

/** How many coefficients, in zig-zag order, an s×s output needs: those with both frequencies below s. */
export function coefficientsNeeded(s: number): number {
  return s === 1 ? 1 : s === 2 ? 5 : s === 4 ? 25 : 64;
}

/** For each output size s, the natural-order indices with both frequencies below s (what the IDCT reads). */
export const LOW_FREQUENCIES: Record<number, Uint8Array> = {
  1: lowFrequencies(1),
  2: lowFrequencies(2),
  4: lowFrequencies(4),
  8: lowFrequencies(8),
};

function lowFrequencies(s: number): Uint8Array {
  const out: number[] = [];
  for (let v = 0; v < s; v++) for (let u = 0; u < s; u++) out.push(v * 8 + u);
  return Uint8Array.from(out);
}

/**
 * Writes the s×s pixels of one block (level-shifted, clamped to 0..255) at `out[offset]`, rows
 * `stride` apart. `block` holds dequantised coefficients in natural (row-major) order; only the
 * entries of {@link LOW_FREQUENCIES}[s] are read. s = 8 uses the AAN factorisation (libjpeg's
 * jidctflt: 5 multiplies per 8-point pass), s = 4 and 2 even/odd butterflies on pre-scaled
 * coefficients; a block with no AC in its low frequencies is one flat colour.
 */
export function idctScaled(
  block: Float64Array,
  s: number,
  out: Uint8Array,
  offset: number,
  stride: number,
): void {
  // Each fast path finds "DC only" as a by-product of its first pass, so no separate scan.
  if (s === 4) idct4(block, out, offset, stride);
  else if (s === 8) idct8(block, out, offset, stride);
  else if (s === 2 && (block[1] !== 0 || block[8] !== 0 || block[9] !== 0)) idct2(block, out, offset, stride);
  else idctDcOnly(block[0]!, s, out, offset, stride);
}

/**
 * What {@link idctScaled} writes for a block whose low AC coefficients are all zero: s×s pixels of
 * `dc / 8 + 128`. Decoders that already know a block has no AC call it directly.
 */
export function idctDcOnly(dc: number, s: number, out: Uint8Array, offset: number, stride: number): void {
  const value = clamp(dc / 8 + 128);
  // Plain stores: fill() per 2- or 4-pixel row costs more than it saves.
  for (let y = 0, o = offset; y < s; y++, o += stride) for (let x = 0; x < s; x++) out[o + x] = value;
}

// The 4- and 2-point fast paths factor each basis column into its value at i = 0 times a pattern:
// m[i·s + u] = m[u] · cos((2i+1)uπ/2s) / cos(uπ/2s). Pre-multiplying coefficient (v, u) by
// m[v]·m[u] leaves, for s = 4, patterns of ±1 (u = 0, 2) and ±1, ±tan(π/8), ±cot(π/8) (u = 1, 3):
// an even/odd butterfly with 2 multiplies per 4-point pass instead of 16.
const SCALE4 = outerScale(4);
const SCALE2 = outerScale(2);
const TAN_PI_8 = Math.tan(Math.PI / 8);
const COT_PI_8 = 1 / TAN_PI_8;

function outerScale(s: number): Float64Array {
  const m = BASES[s]!;
  const scale = new Float64Array(s * s);
  for (let v = 0; v < s; v++) for (let u = 0; u < s; u++) scale[v * s + u] = m[v]! * m[u]!;
  return scale;
}

const ws4 = new Float64Array(16);

/** The s = 4 IDCT: columns into `ws4` (ws4[i·4 + u]), then rows to pixels. */
function idct4(block: Float64Array, out: Uint8Array, offset: number, stride: number): void {
  const w = ws4;
  let ac = false;
  for (let u = 0; u < 4; u++) {
    const a0 = block[u]! * SCALE4[u]!;
    const a1 = block[8 + u]! * SCALE4[4 + u]!;
    const a2 = block[16 + u]! * SCALE4[8 + u]!;
    const a3 = block[24 + u]! * SCALE4[12 + u]!;
    if (a1 === 0 && a2 === 0 && a3 === 0) {
      // Most columns have no vertical detail in a quantised block.
      w[u] = w[4 + u] = w[8 + u] = w[12 + u] = a0;
      if (u > 0 && a0 !== 0) ac = true;
      continue;
    }
    ac = true;
    const e0 = a0 + a2;
    const e1 = a0 - a2;
    const o0 = a1 + a3;
    const o1 = a1 * TAN_PI_8 - a3 * COT_PI_8;
    w[u] = e0 + o0;
    w[12 + u] = e0 - o0;
    w[4 + u] = e1 + o1;
    w[8 + u] = e1 - o1;
  }
  if (!ac) {
    idctDcOnly(block[0]!, 4, out, offset, stride);
    return;
  }
  for (let i = 0; i < 4; i++) {
    const r = i * 4;
    // The level shift rides on the DC term, which reaches every pixel of the row with weight 1.
    const a0 = w[r]! + 128;
    const a1 = w[r + 1]!;
    const a2 = w[r + 2]!;
    const a3 = w[r + 3]!;
    const e0 = a0 + a2;
    const e1 = a0 - a2;
    const o0 = a1 + a3;
    const o1 = a1 * TAN_PI_8 - a3 * COT_PI_8;
    const o = offset + i * stride;
    out[o] = clamp(e0 + o0);
    out[o + 1] = clamp(e1 + o1);
    out[o + 2] = clamp(e1 - o1);
    out[o + 3] = clamp(e0 - o0);
  }
}

/** The s = 2 IDCT: with the same pre-scaling every pattern is ±1, so it is sums and differences. */
function idct2(block: Float64Array, out: Uint8Array, offset: number, stride: number): void {
  const a00 = block[0]! * SCALE2[0]! + 128;
  const a01 = block[1]! * SCALE2[1]!;
  const a10 = block[8]! * SCALE2[2]!;
  const a11 = block[9]! * SCALE2[3]!;
  const top0 = a00 + a10;
  const top1 = a01 + a11;
  const bottom0 = a00 - a10;
  const bottom1 = a01 - a11;
  out[offset] = clamp(top0 + top1);
  out[offset + 1] = clamp(top0 - top1);
  out[offset + stride] = clamp(bottom0 + bottom1);
  out[offset + stride + 1] = clamp(bottom0 - bottom1);
}

const SQRT2 = Math.SQRT2; // libjpeg's 1.414213562 (2·c4)

// AAN scale factors: the 1-D transform below computes the IDCT of coefficients pre-multiplied by
// aan[u]·aan[v]/8, which is folded in here (libjpeg folds it into the quantisation table).
const AAN = [1, 1.387039845, 1.306562965, 1.175875602, 1, 0.785694958, 0.5411961, 0.275899379];
const AAN_SCALE = new Float64Array(64);
for (let v = 0; v < 8; v++) for (let u = 0; u < 8; u++) AAN_SCALE[v * 8 + u] = (AAN[v]! * AAN[u]!) / 8;
const ws = new Float64Array(64);

function idct8(block: Float64Array, out: Uint8Array, offset: number, stride: number): void {
  // Pass 1: columns, from the coefficients into the work space.
  let ac = false;
  for (let c = 0; c < 8; c++) {
    const i0 = block[c]! * AAN_SCALE[c]!;
    const i1 = block[8 + c]! * AAN_SCALE[8 + c]!;
    const i2 = block[16 + c]! * AAN_SCALE[16 + c]!;
    const i3 = block[24 + c]! * AAN_SCALE[24 + c]!;
    const i4 = block[32 + c]! * AAN_SCALE[32 + c]!;
    const i5 = block[40 + c]! * AAN_SCALE[40 + c]!;
    const i6 = block[48 + c]! * AAN_SCALE[48 + c]!;
    const i7 = block[56 + c]! * AAN_SCALE[56 + c]!;
    if (i1 === 0 && i2 === 0 && i3 === 0 && i4 === 0 && i5 === 0 && i6 === 0 && i7 === 0) {
      for (let r = 0; r < 8; r++) ws[r * 8 + c] = i0;
      if (c > 0 && i0 !== 0) ac = true;
      continue;
    }
    ac = true;
    let t10 = i0 + i4;
    let t11 = i0 - i4;
    const t13 = i2 + i6;
    let t12 = (i2 - i6) * SQRT2 - t13;
    const e0 = t10 + t13;
    const e3 = t10 - t13;
    const e1 = t11 + t12;
    const e2 = t11 - t12;
    const z13 = i5 + i3;
    const z10 = i5 - i3;
    const z11 = i1 + i7;
    const z12 = i1 - i7;
    const o7 = z11 + z13;
    t11 = (z11 - z13) * SQRT2;
    const z5 = (z10 + z12) * 1.847759065;
    t10 = z12 * 1.0823922 - z5;
    t12 = z5 - z10 * 2.61312593;
    const o6 = t12 - o7;
    const o5 = t11 - o6;
    const o4 = t10 + o5;
    ws[c] = e0 + o7;
    ws[56 + c] = e0 - o7;
    ws[8 + c] = e1 + o6;
    ws[48 + c] = e1 - o6;
    ws[16 + c] = e2 + o5;
    ws[40 + c] = e2 - o5;
    ws[32 + c] = e3 + o4;
    ws[24 + c] = e3 - o4;
  }
  if (!ac) {
    idctDcOnly(block[0]!, 8, out, offset, stride);
    return;
  }
  // Pass 2: rows, from the work space to pixels.
  for (let r = 0; r < 8; r++) {
    const w = r * 8;
    const i0 = ws[w]!;
    const i1 = ws[w + 1]!;
    const i2 = ws[w + 2]!;
    const i3 = ws[w + 3]!;
    const i4 = ws[w + 4]!;
    const i5 = ws[w + 5]!;
    const i6 = ws[w + 6]!;
    const i7 = ws[w + 7]!;
    let t10 = i0 + i4;
    let t11 = i0 - i4;
    const t13 = i2 + i6;
    let t12 = (i2 - i6) * SQRT2 - t13;
    const e0 = t10 + t13;
    const e3 = t10 - t13;
    const e1 = t11 + t12;
    const e2 = t11 - t12;
    const z13 = i5 + i3;
    const z10 = i5 - i3;
    const z11 = i1 + i7;
    const z12 = i1 - i7;
    const o7 = z11 + z13;
    t11 = (z11 - z13) * SQRT2;
    const z5 = (z10 + z12) * 1.847759065;
    t10 = z12 * 1.0823922 - z5;
    t12 = z5 - z10 * 2.61312593;
    const o6 = t12 - o7;
    const o5 = t11 - o6;
    const o4 = t10 + o5;
    const o = offset + r * stride;
    out[o] = clamp(e0 + o7 + 128);
    out[o + 7] = clamp(e0 - o7 + 128);
    out[o + 1] = clamp(e1 + o6 + 128);
    out[o + 6] = clamp(e1 - o6 + 128);
    out[o + 2] = clamp(e2 + o5 + 128);
    out[o + 5] = clamp(e2 - o5 + 128);
    out[o + 3] = clamp(e3 - o4 + 128);
    out[o + 4] = clamp(e3 + o4 + 128);
  }
}

/** The s×s IDCT as the plain matrix product (the reference the fast paths are tested against). */
export function idctReference(
  block: Float64Array,
  s: number,
  out: Uint8Array,
  offset: number,
  stride: number,
): void {
  const m = BASES[s]!;
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      let sum = 0;
      for (let v = 0; v < s; v++)
        for (let u = 0; u < s; u++) sum += m[y * s + v]! * m[x * s + u]! * block[v * 8 + u]!;
      out[offset + y * stride + x] = clamp(sum + 128);
    }
  }
}

function clamp(v: number): number {
  // v is in (0, 255) in the last branch, where truncating v + 0.5 is Math.round (and much cheaper).
  return v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
}
