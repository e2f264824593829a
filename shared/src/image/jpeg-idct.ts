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

const tmp = new Float64Array(64);

/**
 * Writes the s×s pixels of one block (level-shifted, clamped to 0..255) at `out[offset]`, rows
 * `stride` apart. `block` holds dequantised coefficients in natural (row-major) order.
 */
export function idctScaled(
  block: Float64Array,
  s: number,
  out: Uint8Array,
  offset: number,
  stride: number,
): void {
  const dc = block[0]!;
  let acZero = true;
  for (let v = 0; v < s && acZero; v++) {
    for (let u = 0; u < s; u++) {
      if ((u | v) !== 0 && block[v * 8 + u] !== 0) {
        acZero = false;
        break;
      }
    }
  }
  if (acZero) {
    const value = clamp(dc / 8 + 128);
    for (let y = 0; y < s; y++) out.fill(value, offset + y * stride, offset + y * stride + s);
    return;
  }
  const m = BASES[s]!;
  // Rows first: tmp[v][x] = Σ_u m[x][u] · F[v][u].
  for (let v = 0; v < s; v++) {
    const row = v * 8;
    for (let x = 0; x < s; x++) {
      let sum = 0;
      const mx = x * s;
      for (let u = 0; u < s; u++) sum += m[mx + u]! * block[row + u]!;
      tmp[v * 8 + x] = sum;
    }
  }
  // Then columns: out[y][x] = Σ_v m[y][v] · tmp[v][x].
  for (let y = 0; y < s; y++) {
    const my = y * s;
    const o = offset + y * stride;
    for (let x = 0; x < s; x++) {
      let sum = 0;
      for (let v = 0; v < s; v++) sum += m[my + v]! * tmp[v * 8 + x]!;
      out[o + x] = clamp(sum + 128);
    }
  }
}

function clamp(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
