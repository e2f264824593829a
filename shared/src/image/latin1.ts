// Byte-level text reading for the container headers (sniffing, WebP RIFF, AVIF boxes).

/** Latin-1 text of `length` bytes at `offset` (shorter if the input ends first). */
export function ascii(bytes: Uint8Array, offset: number, length: number): string {
  let s = "";
  const end = Math.min(bytes.length, offset + length);
  for (let i = offset; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}
