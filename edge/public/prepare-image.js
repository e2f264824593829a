// @ts-check
// Prepares a photo for upload. The worker takes phone photos as they are (up to its byte and
// megapixel limits, 10 MB and 50 MP by default) and decodes them to a ~2 MP working size itself, so
// the page no longer shrinks for the limits' sake: only a photo over them (rare) is shrunk to fit.
// It still scales photos over 2048 px on the long side down, purely to save upload time: the worker
// would not use more detail than that.

/** Longest side sent to the server, to save upload time; larger photos are scaled down to this. */
export const MAX_UPLOAD_SIDE = 2048;

// Formats the worker decodes cheaply. Anything else the browser can read (AVIF, which the worker
// decodes only up to 1 MP; HEIC on Safari; BMP) is converted to JPEG so it still works; what it
// cannot read goes up as it is, and the worker's 415 says how to convert it.
const SERVER_FORMATS = new Set(["image/jpeg", "image/png", "image/webp", "image/gif"]);
const JPEG_QUALITIES = [0.9, 0.8, 0.7];

/**
 * @typedef {{ blob: Blob, decoded: boolean, resized: boolean,
 *   width?: number, height?: number, originalWidth?: number, originalHeight?: number }} PreparedUpload
 */

/**
 * Decide how much to scale a photo: 1 keeps it as it is, below 1 shrinks it so it fits the longest
 * side (upload time) and, for a photo over the server's megapixel limit, that limit.
 * @example scaleToFit(4000, 3000, { maxMegapixels: 40 }); // 0.512 (2048 / 4000)
 * @param {number} width
 * @param {number} height
 * @param {{ maxMegapixels: number }} limits
 * @param {number} [maxSide]
 */
export function scaleToFit(width, height, limits, maxSide = MAX_UPLOAD_SIDE) {
  const bySide = maxSide / Math.max(width, height);
  // A hair under the limit so rounding the new size up can't land just over it.
  const byPixels = Math.sqrt((limits.maxMegapixels * 1e6 * 0.99) / (width * height));
  return Math.min(1, bySide, byPixels);
}

/**
 * Turn a picked file into what gets uploaded: the file itself when it already fits, otherwise a
 * JPEG re-encoded from a canvas. A file the browser cannot decode is passed through unchanged,
 * so the server's precise "not an image" / "corrupt" answer reaches the user.
 * @param {Blob} file
 * @param {{ maxBytes: number, maxMegapixels: number }} limits
 * @returns {Promise<PreparedUpload>}
 */
export async function prepareUpload(file, limits) {
  const source = await decode(file);
  if (!source) return { blob: file, decoded: false, resized: false };
  const { width, height } = source;
  const scale = scaleToFit(width, height, limits);
  const convert = !SERVER_FORMATS.has(file.type) && file.type.startsWith("image/");
  if (scale === 1 && file.size <= limits.maxBytes && !convert) {
    release(source);
    return {
      blob: file,
      decoded: true,
      resized: false,
      width,
      height,
      originalWidth: width,
      originalHeight: height,
    };
  }
  try {
    // If even the lowest quality is too big, halve the size and try again.
    for (let factor = scale; factor * Math.max(width, height) >= 64; factor /= 2) {
      const w = Math.max(1, Math.round(width * factor));
      const h = Math.max(1, Math.round(height * factor));
      const canvas = draw(source, w, h);
      for (const quality of JPEG_QUALITIES) {
        const blob = await toJpeg(canvas, quality);
        if (blob.size <= limits.maxBytes) {
          return {
            blob,
            decoded: true,
            resized: true,
            width: w,
            height: h,
            originalWidth: width,
            originalHeight: height,
          };
        }
      }
    }
  } finally {
    release(source);
  }
  // Nothing fits (absurd limits): let the server explain.
  return {
    blob: file,
    decoded: true,
    resized: false,
    width,
    height,
    originalWidth: width,
    originalHeight: height,
  };
}

/**
 * Decode with EXIF orientation applied, so the canvas (and the server, which then sees no EXIF)
 * get the photo upright. null when the browser can't read it.
 * @param {Blob} file
 * @returns {Promise<ImageBitmap | HTMLImageElement | null>}
 */
async function decode(file) {
  if (typeof createImageBitmap === "function") {
    try {
      return await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch {
      // Fall through: some browsers refuse the options bag or a format createImageBitmap lacks.
    }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img.naturalWidth > 0 ? img : null;
  } catch {
    return null;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * @param {ImageBitmap | HTMLImageElement} source
 * @param {number} width
 * @param {number} height
 */
function draw(source, width, height) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  if (!context) throw new Error("This browser has no 2D canvas.");
  context.imageSmoothingQuality = "high";
  context.drawImage(source, 0, 0, width, height);
  return canvas;
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {number} quality
 * @returns {Promise<Blob>}
 */
function toJpeg(canvas, quality) {
  return new Promise((resolve, reject) => {
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error("Couldn't encode JPEG."))),
      "image/jpeg",
      quality,
    );
  });
}

/** @param {ImageBitmap | HTMLImageElement} source */
function release(source) {
  if ("close" in source) source.close();
}
