/** The static-assets binding: a fetcher over the files in wrangler.toml's `[assets] directory`. */
export interface AssetsBinding {
  fetch(input: Request | string | URL, init?: RequestInit): Promise<Response>;
}

import type { GalleryNamespace } from "./gallery/bindings.ts";

/** Bindings and vars the worker receives (see wrangler.toml). Vars arrive as strings. */
export interface WorkerEnv {
  ASSETS: AssetsBinding;
  /** Folder of the served model inside the assets, e.g. `models/default`. */
  MODEL_PATH?: string;
  /** Largest accepted upload in bytes; default 10 MB. */
  MAX_BYTES?: string;
  /** Largest accepted image in megapixels, for every model kind; default 50. */
  MAX_MEGAPIXELS?: string;
  /** Photos are decoded reduced to at most this many megapixels (the working image); default 2. */
  WORKING_MEGAPIXELS?: string;
  /** Face models: at most this many faces per photo, largest first, 1..100; default 100 (a request's `?max_faces=` may lower it). */
  MAX_FACES?: string;
  /** /predict requests reading, decoding and inferring at once per isolate; default 1. */
  MAX_CONCURRENT_PREDICTS?: string;
  /** Requests that may wait for a slot (they hold no body while waiting); default 64. */
  PREDICT_QUEUE_LENGTH?: string;
  /** Longest wait for a slot in ms before `busy` (503, Retry-After); default 15000. */
  PREDICT_QUEUE_WAIT_MS?: string;
  /** Secret (`wrangler secret put MARQUEE_API_KEY`); when set, /predict needs `Authorization: Bearer <key>`. */
  MARQUEE_API_KEY?: string;
  /** Galleries (issue 13): one SQLite-backed Durable Object per gallery (wrangler.toml `durable_objects`). */
  GALLERIES?: GalleryNamespace;
  /** Secret; gallery writes need `Authorization: Bearer <key>`, and answer 403 while it is unset. */
  MARQUEE_ADMIN_KEY?: string;
  /** Galleries: most faces one person may have; default 50. */
  GALLERY_MAX_FACES_PER_PERSON?: string;
  /** Galleries: most people one gallery may hold; default 10000. */
  GALLERY_MAX_PEOPLE?: string;
  /** Galleries: largest `POST …/import` body in bytes; default 8 MiB. */
  GALLERY_MAX_IMPORT_BYTES?: string;
  /** Galleries: galleries of at most this many faces are searched in memory (16 MiB at the default 32768). */
  GALLERY_MEMORY_FACES?: string;
  /** Galleries: default identify/verify distance threshold; default in gallery/gallery-config.ts. */
  GALLERY_THRESHOLD?: string;
}
