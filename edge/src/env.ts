/** The static-assets binding: a fetcher over the files in wrangler.toml's `[assets] directory`. */
export interface AssetsBinding {
  fetch(input: Request | string | URL, init?: RequestInit): Promise<Response>;
}

/** Bindings and vars the worker receives (see wrangler.toml). Vars arrive as strings. */
export interface WorkerEnv {
  ASSETS: AssetsBinding;
  /** Folder of the served model inside the assets, e.g. `models/default`. */
  MODEL_PATH?: string;
  /** Largest accepted upload in bytes; default 10 MB. */
  MAX_BYTES?: string;
  /** Largest accepted image in megapixels; default 40. */
  MAX_MEGAPIXELS?: string;
  /** Face models: largest image in megapixels (the lower of this and MAX_MEGAPIXELS applies); default 2. */
  FACE_MAX_MEGAPIXELS?: string;
  /** Face models: at most this many faces per photo, largest first, 1..100; default 100 (a request's `?max_faces=` may lower it). */
  MAX_FACES?: string;
  /** Secret (`wrangler secret put MARQUEE_API_KEY`); when set, /predict needs `Authorization: Bearer <key>`. */
  MARQUEE_API_KEY?: string;
}
