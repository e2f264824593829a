import { MarqueeError } from "@marquee/shared";
import { buildServedModel, type LoadedModel } from "../kinds/registry.ts";
import type { FaceNetSource } from "./build-face-model.ts";
import { type ModelFileFetcher, readModelFiles } from "./read-model-files.ts";

/** What /health says about the model. */
export interface ModelStatus {
  loaded: boolean;
  error?: { code: string; message: string };
}

/**
 * Loads the served model once per isolate. Concurrent first requests share one load; a failed
 * load is remembered for /health and retried by the next caller, so fixing the assets recovers
 * without a restart. `metadata.json`'s pipeline decides what is built: an image classifier, or
 * the face nets plus a head on their descriptors.
 */
export class ModelStore {
  private loaded: LoadedModel | null = null;
  private pending: Promise<LoadedModel> | null = null;
  private lastError: MarqueeError | null = null;

  constructor(
    private readonly fetchFile: ModelFileFetcher,
    private readonly faceNets?: FaceNetSource,
  ) {}

  /** The model, loading it first if needed; throws a MarqueeError (503 codes) when it cannot. */
  get(): Promise<LoadedModel> {
    if (this.loaded) return Promise.resolve(this.loaded);
    if (!this.pending) {
      this.pending = readModelFiles(this.fetchFile)
        .then((files) => buildServedModel(files, this.faceNets))
        .then(
          (model) => {
            this.loaded = model;
            this.lastError = null;
            return model;
          },
          (err: unknown) => {
            this.lastError = toModelError(err);
            throw this.lastError;
          },
        )
        .finally(() => {
          this.pending = null;
        });
    }
    return this.pending;
  }

  /** Loaded or not, and the last load error if there was one. */
  status(): ModelStatus {
    if (this.loaded) return { loaded: true };
    if (this.lastError)
      return { loaded: false, error: { code: this.lastError.code, message: this.lastError.message } };
    return { loaded: false };
  }
}

function toModelError(err: unknown): MarqueeError {
  if (err instanceof MarqueeError) return err;
  return new MarqueeError(
    "model_unavailable",
    `the model could not be loaded: ${(err as Error)?.message ?? String(err)}`,
  );
}
