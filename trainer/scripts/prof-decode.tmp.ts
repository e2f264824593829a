import { readFile } from "node:fs/promises";
import { decodeImage } from "@marquee/shared";

const bytes = new Uint8Array(await readFile("/tmp/group12.jpg"));
const t: number[] = [];
for (let i = 0; i < 15; i++) {
  const t0 = performance.now();
  const { image } = await decodeImage(bytes, { maxPixels: 2_000_000 });
  t.push(performance.now() - t0);
  if (i === 0) console.log(image.width, image.height);
}
t.sort((a, b) => a - b);
console.log("median", t[7]!.toFixed(1));
