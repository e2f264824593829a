import { z } from "zod";
import { MarqueeError } from "../errors.ts";

/**
 * The artefact format's version. Bump the major when a reader of the old format could
 * misread a new file; readers refuse majors they do not know.
 */
export const ARTIFACT_FORMAT_VERSION = "2.0.0";

/**
 * Majors this reader understands. 1.x face models were trained on face-api's aligned square: they
 * have no `face.descriptor` and are served with that recipe. 2.0 records the recipe; a 1.x reader
 * would silently describe faces the old way, so it must refuse 2.x.
 */
export const READABLE_FORMAT_MAJORS: readonly string[] = Object.freeze(["1", "2"]);

/** File names inside a model directory. */
export const ARTIFACT_FILES = Object.freeze({
  model: "model.json",
  metadata: "metadata.json",
});

/** Pixel normalisation, described as data so both sides apply the same arithmetic. */
export const normalizationSchema = z
  .discriminatedUnion("kind", [
    /** `value * scale + offset`, per channel alike; Keras' `Rescaling(1/255)` is `{scale: 1/255, offset: 0}`. */
    z
      .object({
        kind: z.literal("scale"),
        scale: z.number().finite(),
        offset: z.number().finite().default(0),
      })
      .describe(
        "value * scale + offset on every channel; Keras' Rescaling(1/255) is {scale: 1/255, offset: 0}",
      ),
    /** `(value / 255 - mean[c]) / std[c]`, the ImageNet style. */
    z
      .object({
        kind: z.literal("meanStd"),
        mean: z.tuple([z.number(), z.number(), z.number()]).describe("per channel, R G B, on the 0..1 scale"),
        std: z
          .tuple([z.number().positive(), z.number().positive(), z.number().positive()])
          .describe("per channel, R G B, on the 0..1 scale"),
      })
      .describe("(value / 255 - mean[c]) / std[c], the ImageNet style"),
  ])
  .describe("Pixel normalisation applied after the resize to HWC RGB values in 0..255");
/** See {@link normalizationSchema}. */
export type Normalization = z.infer<typeof normalizationSchema>;

/** How a photo becomes the model's input tensor. */
export const preprocessingSchema = z
  .object({
    /** Resize method; only half-pixel-centre bilinear (tf.image.resize) exists today. */
    resize: z
      .literal("bilinear")
      .describe(
        "tf.image.resize bilinear: half-pixel centres, no antialiasing (as Keras' image_dataset_from_directory)",
      ),
    /** `stretch` resizes the whole image (Keras' default); `centerCrop` first crops the largest centred rectangle of the input's aspect (a square for square inputs), as Keras' `crop_to_aspect_ratio`. */
    fit: z
      .enum(["stretch", "centerCrop"])
      .default("stretch")
      .describe(
        "stretch: resize the whole photo; centerCrop: first crop the largest centred rectangle of the input's aspect",
      ),
    normalization: normalizationSchema,
  })
  .describe("How a decoded, upright RGB photo becomes the model's HWC float32 input");
/** See {@link preprocessingSchema}. */
export type Preprocessing = z.infer<typeof preprocessingSchema>;

const pretrainedPartSchema = z.object({
  /** e.g. `tiny_face_detector`. */
  name: z.string().min(1),
  /** npm package the weights come from, e.g. `@vladmandic/face-api`. */
  package: z.string().min(1),
  version: z.string().min(1),
  /** Path of the weights inside that package. */
  path: z.string().min(1),
  license: z.string().min(1),
});

/**
 * How faces are found (format 1.1): the detector passes of shared's findFaces. Models without it
 * (format 1.0, face-api's tiny detector named) are served with the same BlazeFace setup: the
 * landmark and descriptor nets, which make the head's input, are unchanged.
 */
export const faceDetectionSchema = z
  .object({
    /** BlazeFace back on the whole image, a scaled pass for small faces, a padded pass when nothing is found. */
    setup: z
      .literal("blazeface-scaled")
      .describe(
        "BlazeFace back at 256 px on the whole image, one scaled pass for small faces, a pass on the image shrunk into a black border when nothing is found",
      ),
    /** Minimum score of the scaled pass (the whole-image pass uses `minDetectionScore`). */
    scaledMinScore: z.number().min(0).max(1).describe("Minimum score of the scaled pass"),
    /** Smallest face looked for, as a fraction of the photo's longer side. */
    minFaceFraction: z
      .number()
      .positive()
      .max(1)
      .describe("Smallest face looked for, as a fraction of the photo's longer side"),
    /** Always false: a photo without a detected face has no face. */
    wholeImageFallback: z.literal(false).describe("A photo without a detected face has no face"),
  })
  .describe("How faces are found (shared/src/face/find-faces.ts)");
/** See {@link faceDetectionSchema}. */
export type FaceDetectionSettings = z.infer<typeof faceDetectionSchema>;

/**
 * How a face becomes the descriptor net's input (format 2.0; shared/src/face/embed.ts'
 * DescriptorRecipe). Absent in 1.x models, which used face-api's aligned square without mirroring.
 */
export const faceDescriptorSchema = z
  .object({
    crop: z
      .enum(["dlib-chip", "aligned-square"])
      .describe(
        "dlib-chip: rotated and scaled onto dlib's mean face shape, padding 0.25; aligned-square: face-api.js's axis-aligned square",
      ),
    mirror: z.boolean().describe("Average the descriptors of the crop and its left-right mirror"),
  })
  .describe("How a face becomes the descriptor net's input");

/** Settings only face models have. */
export const faceSettingsSchema = z.object({
  detector: pretrainedPartSchema,
  detection: faceDetectionSchema.optional(),
  landmarks: pretrainedPartSchema.optional(),
  embedder: pretrainedPartSchema,
  descriptor: faceDescriptorSchema.optional(),
  embeddingSize: z.number().int().positive(),
  /** Minimum detector score for a face to count. */
  minDetectionScore: z.number().min(0).max(1),
  /** Open-set rule: below this top-1 probability (or above this distance) a face is `unknown`. */
  rejection: z.object({
    kind: z.enum(["probability", "distance"]),
    threshold: z.number().finite(),
  }),
});
/** See {@link faceSettingsSchema}. */
export type FaceSettings = z.infer<typeof faceSettingsSchema>;

/** The metadata.json that sits beside a tfjs model.json. */
export const modelMetadataSchema = z
  .object({
    formatVersion: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, "must look like 1.0.0")
      .refine((v) => READABLE_FORMAT_MAJORS.includes(v.split(".")[0]!), {
        message: `major version must be ${READABLE_FORMAT_MAJORS.join(" or ")}; this reader knows ${ARTIFACT_FORMAT_VERSION}`,
      })
      .describe(
        `Artefact format version (semver). Readers refuse a major they do not know; this one is ${ARTIFACT_FORMAT_VERSION}`,
      ),
    /** Human name, e.g. `celeb17-face`. */
    name: z.string().min(1).describe("Human name, e.g. celeb17-face"),
    /** The model's own version; defaults to the creation time stamp. */
    version: z.string().min(1).describe("The model's own version; defaults to the creation time stamp"),
    createdAt: z.iso.datetime({ offset: true }).describe("When the trainer exported the model (ISO 8601)"),
    /** `image`: the whole photo is the input. `face`: detect, align, embed, then classify. */
    pipeline: z
      .enum(["image", "face"])
      .describe("image: the whole photo is the input; face: detect, align, embed, then classify"),
    /** Architecture the trainer built, e.g. `seed-cnn`, `vgg16`, `face-head`. */
    architecture: z
      .string()
      .min(1)
      .describe("Architecture the trainer built, e.g. seed-cnn, vgg16, face-head"),
    labels: z
      .array(z.string().min(1))
      .describe("Class names in the order of the model's output units")
      .min(2)
      .refine((l) => new Set(l).size === l.length, {
        message: "labels must be unique",
      }),
    input: z
      .object({
        width: z.number().int().positive().max(4096),
        height: z.number().int().positive().max(4096),
        channels: z.literal(3),
      })
      .describe("The model's input size; the tensor is [batch, height, width, 3], HWC"),
    preprocessing: preprocessingSchema,
    /** What the model's last layer emits. */
    output: z
      .enum(["logits", "probabilities"])
      .describe("What the last layer emits; logits get a softmax at prediction time"),
    weights: z
      .object({
        dtype: z.enum(["float32", "float16", "uint8"]),
        bytes: z.number().int().nonnegative(),
      })
      .describe("Weight shards' dtype and total size"),
    face: faceSettingsSchema.optional().describe('Required when pipeline is "face"'),
    dataset: z
      .object({
        /** sha256 over the sorted (class, content hash) pairs of every usable file. */
        fingerprint: z
          .string()
          .regex(/^[0-9a-f]{64}$/, "must be a hex sha256")
          .describe("sha256 over the sorted (class, content hash) pairs of every usable file"),
        images: z.number().int().nonnegative(),
        classes: z.number().int().positive(),
        trainImages: z.number().int().nonnegative(),
        validationImages: z.number().int().nonnegative(),
        duplicateGroups: z.number().int().nonnegative(),
        validationSplit: z.number().min(0).max(1),
        seed: z.number().int(),
        split: z
          .enum(["duplicate-aware", "random"])
          .optional()
          .describe("How validation was drawn (absent: duplicate-aware); random = Keras' own split"),
      })
      .describe("The data the model was trained on; the fingerprint identifies it exactly"),
    training: z
      .object({
        backend: z.string().min(1),
        epochs: z.number().int().nonnegative(),
        bestEpoch: z.number().int().nonnegative(),
        batchSize: z.number().int().positive(),
        optimizer: z.string().min(1),
        parameters: z.number().int().nonnegative(),
        seconds: z.number().nonnegative(),
        workers: z
          .number()
          .int()
          .positive()
          .optional()
          .describe("Data-parallel worker threads the steps ran on (absent: one, in-process)"),
      })
      .describe("Training summary"),
    metrics: z
      .object({
        valAccuracy: z.number().min(0).max(1),
        valLoss: z.number().nonnegative().nullable(),
        trainAccuracy: z.number().min(0).max(1).nullable(),
        perClassAccuracy: z.record(z.string(), z.number().min(0).max(1).nullable()),
        /** Face models: share of known faces accepted and correct / strangers rejected at the threshold. */
        knownAcceptedCorrect: z.number().min(0).max(1).optional(),
        strangersRejected: z.number().min(0).max(1).optional(),
      })
      .describe("Validation metrics at the best epoch"),
  })
  .superRefine((m, ctx) => {
    if (m.pipeline === "face" && !m.face) {
      ctx.addIssue({ code: "custom", path: ["face"], message: 'is required when pipeline is "face"' });
    }
    if (m.face && m.formatVersion.split(".")[0] !== "1" && !m.face.descriptor) {
      ctx.addIssue({
        code: "custom",
        path: ["face", "descriptor"],
        message: "is required from format 2.0 (how faces are cropped for the descriptor net)",
      });
    }
    if (m.face?.detector.name === "blazeface-back" && !m.face.detection) {
      ctx.addIssue({
        code: "custom",
        path: ["face", "detection"],
        message: "is required when the detector is blazeface-back",
      });
    }
    for (const label of Object.keys(m.metrics.perClassAccuracy)) {
      if (!m.labels.includes(label)) {
        ctx.addIssue({
          code: "custom",
          path: ["metrics", "perClassAccuracy", label],
          message: `"${label}" is not one of the labels`,
        });
      }
    }
  });

/** A validated metadata.json. */
export type ModelMetadata = z.infer<typeof modelMetadataSchema>;

/**
 * Validate parsed JSON as {@link ModelMetadata}; throws `invalid_metadata` naming every bad field.
 *
 * @example
 * const meta = parseModelMetadata(JSON.parse(text));
 */
export function parseModelMetadata(json: unknown): ModelMetadata {
  const result = modelMetadataSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 8)
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "(root)"}: ${issue.message}`);
  throw new MarqueeError("invalid_metadata", `metadata.json is invalid: ${problems.join("; ")}`);
}

/** Parse metadata.json text; a syntax error is also `invalid_metadata`. */
export function parseModelMetadataText(text: string): ModelMetadata {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MarqueeError("invalid_metadata", `metadata.json is not valid JSON: ${(err as Error).message}`);
  }
  return parseModelMetadata(json);
}

/**
 * The artefact format as a JSON Schema (draft 2020-12), for people and tools outside TypeScript.
 * Describes what a reader accepts (defaults are optional). Cross-field rules (unique labels, the
 * `face` block for face pipelines, metric labels) live only in {@link parseModelMetadata}.
 * `pnpm tsx shared/scripts/write-metadata-schema.ts` writes it to shared/schema/metadata.schema.json.
 */
export function modelMetadataJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(modelMetadataSchema, { io: "input" });
  return {
    $schema,
    title: "Marquee model metadata.json",
    description: `The metadata.json beside a tfjs model.json, format ${ARTIFACT_FORMAT_VERSION}. A minor version adds optional fields, which older readers ignore; a major version means older readers must refuse the file.`,
    ...rest,
  };
}
