import { MarqueeError } from "@marquee/shared";
import { UNKNOWN_FACE_LABEL } from "@marquee/shared/face";

/** Gallery names: lower-case letters, digits, `-` and `_`, 1–63 characters, starting with a letter or digit. */
export const GALLERY_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Longest person name, in characters. */
export const MAX_PERSON_NAME_LENGTH = 64;

// Letters and marks of any script, digits, spaces and the punctuation of real names.
const PERSON_CHARS = /^[\p{L}\p{M}\p{N} .'’_-]+$/u;

/**
 * Validate a gallery name (it names a Durable Object, so it is kept strict); throws a 400.
 *
 * @example
 * galleryName("staff-2026"); // "staff-2026"
 */
export function galleryName(raw: string): string {
  if (!GALLERY_NAME_PATTERN.test(raw)) {
    throw new MarqueeError(
      "bad_request",
      `Gallery name "${clip(raw)}" is not valid: use 1–63 lower-case letters, digits, "-" or "_", starting with a letter or digit.`,
    );
  }
  return raw;
}

/**
 * Validate a person's name (NFC-normalised): 1–64 characters, letters of any script, digits,
 * spaces and `.'’_-`, no leading, trailing or double spaces, and not "unknown"; throws a 400.
 *
 * @example
 * personName("Zoë O'Neil"); // "Zoë O'Neil"
 */
export function personName(raw: string): string {
  const name = raw.normalize("NFC");
  const problem =
    name.length === 0
      ? "it is empty"
      : name.length > MAX_PERSON_NAME_LENGTH
        ? `it is longer than ${MAX_PERSON_NAME_LENGTH} characters`
        : !PERSON_CHARS.test(name)
          ? "use letters, digits, spaces and . ' - _ only"
          : name !== name.trim() || name.includes("  ")
            ? "no leading, trailing or double spaces"
            : name.toLowerCase() === UNKNOWN_FACE_LABEL
              ? `"${UNKNOWN_FACE_LABEL}" is the label of unrecognised faces`
              : null;
  if (problem) throw new MarqueeError("bad_request", `Person name "${clip(name)}" is not valid: ${problem}.`);
  return name;
}

/**
 * Parse a face id from a path; throws a 400 unless it is a positive whole number.
 *
 * @example
 * faceId("12"); // 12
 */
export function faceId(raw: string): number {
  if (!/^[1-9][0-9]{0,14}$/.test(raw)) {
    throw new MarqueeError(
      "bad_request",
      `Face id "${clip(raw)}" is not valid: it is a positive whole number.`,
    );
  }
  return Number(raw);
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
