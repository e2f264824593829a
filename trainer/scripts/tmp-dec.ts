import { readFile } from "node:fs/promises";
import { decodeImage } from "@marquee/shared";
import sharp from "sharp";

const bytes = new Uint8Array(await readFile(process.argv[2]!));
const t: number[] = [];
let img;
for (let r = 0; r < 7; r++) {
  const t0 = performance.now();
  const d = await decodeImage(bytes, { maxPixels: 2_000_000 });
  t.push(performance.now() - t0);
  img = d.image;
}
t.sort((a, b) => a - b);
const ref = await sharp(Buffer.from(bytes))
  .rotate()
  .resize(img!.width, img!.height, { kernel: "cubic" })
  .removeAlpha()
  .raw()
  .toBuffer();
let err = 0;
for (let i = 0; i < ref.length; i++) err += Math.abs(ref[i]! - img!.data[i]!);
console.log(
  img!.width,
  img!.height,
  "median",
  t[3]!.toFixed(1),
  "ms; mean |diff| vs sharp resize",
  (err / ref.length).toFixed(2),
);
