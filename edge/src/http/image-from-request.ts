import { MarqueeError } from "@marquee/shared";
import { readBodyWithLimit } from "./read-body.ts";

// Room for multipart boundaries and part headers on top of the image-size limit.
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/**
 * The uploaded image bytes: the raw body, or the `image` field of a multipart/form-data body.
 * Throws `empty_body`, `bad_request` or `image_too_large` as MarqueeErrors.
 */
export async function imageFromRequest(request: Request, maxBytes: number): Promise<Uint8Array> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\b/i.test(contentType)) {
    const body = await readBodyWithLimit(request, maxBytes);
    if (body.byteLength === 0)
      throw new MarqueeError("empty_body", "The request body is empty; send image bytes.");
    return body;
  }
  const body = await readBodyWithLimit(request, maxBytes + MULTIPART_OVERHEAD_BYTES);
  if (body.byteLength === 0)
    throw new MarqueeError("empty_body", "The request body is empty; send image bytes.");
  let form: FormData;
  try {
    form = await new Response(body as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": contentType },
    }).formData();
  } catch {
    throw new MarqueeError("bad_request", "The multipart/form-data body could not be parsed.");
  }
  const fields = form.getAll("image");
  if (fields.length === 0) throw new MarqueeError("bad_request", 'The multipart body has no "image" field.');
  if (fields.length > 1)
    throw new MarqueeError("bad_request", 'Send exactly one "image" field, not several.');
  const field = fields[0];
  if (typeof field === "string" || field === undefined) {
    throw new MarqueeError("bad_request", 'The "image" field must be a file, not text.');
  }
  const bytes = new Uint8Array(await field.arrayBuffer());
  if (bytes.byteLength === 0) throw new MarqueeError("empty_body", 'The "image" file is empty.');
  if (bytes.byteLength > maxBytes) {
    throw new MarqueeError(
      "image_too_large",
      `The image is ${bytes.byteLength} bytes; the limit is ${maxBytes}.`,
    );
  }
  return bytes;
}
