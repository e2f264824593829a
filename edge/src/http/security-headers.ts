/**
 * The page's Content-Security-Policy: no inline script or style, images only from the origin and
 * blob: (the preview of the picked photo), API calls only to the origin.
 */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Headers every static file of the page is sent with. */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "Content-Security-Policy": PAGE_CSP,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
});

/** A copy of `response` (whose headers may be immutable) with the page's security headers. */
export function withPageSecurityHeaders(response: Response): Response {
  const copy = new Response(response.body, response);
  for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) copy.headers.set(name, value);
  return copy;
}
