import { MarqueeError } from "@marquee/shared";
import { readBodyWithLimit } from "../http/read-body.ts";

/** One uploaded photo and how to name it in an error. */
export interface UploadedPhoto {
  bytes: Uint8Array;
  /** e.g. `photo 2 of 3 ("ann.jpg")`. */
  label: string;
}

const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/**
 * The photos of an enrolment: the raw body (one photo), or every `image` file of a multipart body
 * (at most `maxPhotos`). The whole body is capped at `maxBytes` (plus multipart overhead).
 */
export async function photosFromRequest(
  request: Request,
  maxBytes: number,
  maxPhotos: number,
): Promise<UploadedPhoto[]> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\b/i.test(contentType)) {
    const body = await readBodyWithLimit(request, maxBytes);
    if (body.byteLength === 0)
      throw new MarqueeError("empty_body", "The request body is empty; send a photo.");
    return [{ bytes: body, label: "the photo" }];
  }
  const form = await readForm(request, contentType, maxBytes);
  const fields = form.getAll("image");
  if (fields.length === 0) throw new MarqueeError("bad_request", 'The multipart body has no "image" field.');
  if (fields.length > maxPhotos) {
    throw new MarqueeError(
      "bad_request",
      `Send at most ${maxPhotos} "image" fields per request, not ${fields.length}.`,
    );
  }
  const photos: UploadedPhoto[] = [];
  for (const [i, field] of fields.entries()) {
    const label = `photo ${i + 1} of ${fields.length}${typeof field === "string" ? "" : ` ("${field.name.slice(0, 80)}")`}`;
    if (typeof field === "string")
      throw new MarqueeError("bad_request", `The "image" field of ${label} must be a file, not text.`);
    const bytes = new Uint8Array(await field.arrayBuffer());
    if (bytes.byteLength === 0) throw new MarqueeError("empty_body", `${capital(label)} is empty.`);
    photos.push({ bytes, label });
  }
  return photos;
}

/**
 * The two photos of `/verify`: multipart file fields `a` and `b`.
 */
export async function pairFromRequest(request: Request, maxBytes: number): Promise<[Uint8Array, Uint8Array]> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\b/i.test(contentType)) {
    await readBodyWithLimit(request, 2 * maxBytes + MULTIPART_OVERHEAD_BYTES);
    throw new MarqueeError("bad_request", 'Send multipart/form-data with two photo fields, "a" and "b".');
  }
  const form = await readForm(request, contentType, 2 * maxBytes);
  const pick = async (name: "a" | "b") => {
    const fields = form.getAll(name);
    const field = fields[0];
    if (fields.length !== 1 || field === undefined || typeof field === "string") {
      throw new MarqueeError("bad_request", `The multipart body needs exactly one file field "${name}".`);
    }
    const bytes = new Uint8Array(await field.arrayBuffer());
    if (bytes.byteLength === 0) throw new MarqueeError("empty_body", `The "${name}" photo is empty.`);
    if (bytes.byteLength > maxBytes) {
      throw new MarqueeError(
        "image_too_large",
        `The "${name}" photo is ${bytes.byteLength} bytes; the limit is ${maxBytes}.`,
      );
    }
    return bytes;
  };
  return [await pick("a"), await pick("b")];
}

async function readForm(request: Request, contentType: string, maxBytes: number): Promise<FormData> {
  const body = await readBodyWithLimit(request, maxBytes + MULTIPART_OVERHEAD_BYTES);
  if (body.byteLength === 0) throw new MarqueeError("empty_body", "The request body is empty; send photos.");
  try {
    return await new Response(body as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": contentType },
    }).formData();
  } catch {
    throw new MarqueeError("bad_request", "The multipart/form-data body could not be parsed.");
  }
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
