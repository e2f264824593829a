/**
 * @module
 * The trainer CLIs' flags, parsed once: commander reads the command line (types only, no defaults),
 * {@link checkFlags} checks every given value's range and whether the chosen task honours it, and the
 * task merges its own defaults once (`TrainerTask.trainDefaults`). All before any work is done, so a
 * bad flag fails in milliseconds with the flag's own name.
 */
import { MarqueeError } from "@marquee/shared";
import { Command, InvalidArgumentError, Option } from "commander";
import type { BackendRequest } from "../backend/index.ts";
import type { WeightDtype } from "../export/quantize.ts";

/** tfjs backends a CLI can ask for. */
export const BACKEND_CHOICES = ["auto", "node-gpu", "node", "wasm", "cpu"] as const;

/** `pnpm train` flags as given on the command line (attribute names); absent = not given. */
export interface TrainFlags {
  /** `--model`: chooses the task; the one flag with a default here. */
  model: string;
  data?: string;
  /** `--validation-data`: an existing validation folder instead of splitting `--data`. */
  validationData?: string;
  out?: string;
  name?: string;
  epochs?: number;
  batchSize?: number;
  imageSize?: number;
  validationSplit?: number;
  seed?: number;
  learningRate?: number;
  decaySteps?: number;
  decayRate?: number;
  staircase?: boolean;
  dropout?: number;
  patience?: number;
  minDelta?: number;
  checkpointEvery?: number;
  weights?: WeightDtype;
  fit?: "stretch" | "centerCrop";
  backend?: BackendRequest;
  cacheDir?: string;
  resume?: boolean;
  charts?: boolean;
  summary?: boolean;
  numClasses?: number;
  head?: "auto" | "imprinted" | "linear" | "mlp";
  rejection?: "distance" | "probability";
  strangers?: string;
  workers?: number;
  split?: "duplicate-aware" | "random";
}

/** `pnpm evaluate` flags; `modelDir` and `backend` have defaults, the rest are absent unless given. */
export interface EvaluateFlags {
  modelDir: string;
  data: string;
  backend: BackendRequest;
  batchSize?: number;
  charts?: string;
  cacheDir?: string;
  json?: boolean;
}

/** `pnpm predict` flags. */
export interface PredictFlags {
  modelDir: string;
  backend: BackendRequest;
  /** `--top-k` (the API's `top_k`), or its older spelling `--top`. */
  top: number;
  json: boolean;
}

/** A range rule: the problem with `v`, or null when it is fine. */
type Rule = (v: number) => string | null;

const integerAtLeast = (min: number): Rule => {
  const want =
    min === 0 ? "a non-negative integer" : min === 1 ? "a positive integer" : `an integer of at least ${min}`;
  return (v) => (Number.isInteger(v) && v >= min ? null : `must be ${want}`);
};
const between =
  (lo: number, hi: number, { loOpen = true, hiOpen = true } = {}): Rule =>
  (v) =>
    (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi) ? null : `must be between ${lo} and ${hi}`;
const positive: Rule = (v) => (v > 0 ? null : "must be above 0");
const nonNegative: Rule = (v) => (v >= 0 ? null : "must be 0 or more");

/** The range of every numeric flag of the three CLIs, by attribute name. */
const RULES: Record<string, Rule> = {
  epochs: integerAtLeast(1),
  batchSize: integerAtLeast(1),
  imageSize: integerAtLeast(1),
  validationSplit: between(0, 1),
  seed: integerAtLeast(0),
  learningRate: positive,
  decaySteps: integerAtLeast(1),
  decayRate: between(0, 1, { hiOpen: false }),
  dropout: between(0, 1, { loOpen: false }),
  patience: integerAtLeast(0),
  minDelta: nonNegative,
  checkpointEvery: integerAtLeast(0),
  numClasses: integerAtLeast(2),
  workers: integerAtLeast(1),
  top: integerAtLeast(1),
  topK: integerAtLeast(1),
};

/** Commander parser: any number; ranges are {@link RULES}' job, so every message has one shape. */
function number(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n))
      throw new InvalidArgumentError(`${flag} must be a number (got ${value}).`);
    return n;
  };
}

function trainCommand(modelNames: readonly string[], defaultModel: string): Command {
  return new Command()
    .name("pnpm train")
    .description("Train an image classifier on a folder of class folders and export it for the edge.")
    .option("--data <dir>", "folder with one sub-folder of images per class")
    .addOption(
      new Option(
        "--model <name>",
        "face (default: the pretrained face pipeline + a trained head, the model that works for people); seed-cnn or vgg16: whole-image classifiers trained from pixels (the tutorial's)",
      )
        .choices(modelNames)
        .default(defaultModel),
    )
    .option(
      "--validation-data <dir>",
      "existing validation folder (same class folders as --data) instead of splitting --data",
    )
    .option(
      "--out <dir>",
      "run folder (checkpoints, export, charts); default runs/<data>-<model>, where <data> is the data folder's name (its parent's for a train/ folder)",
    )
    .option("--name <name>", "model name in metadata.json; default <data>, as for --out")
    .option("--epochs <n>", "epochs", number("--epochs"))
    .option("--batch-size <n>", "batch size", number("--batch-size"))
    .option("--image-size <n>", "square input side in pixels", number("--image-size"))
    .option("--validation-split <x>", "share of images held out for validation", number("--validation-split"))
    .option("--seed <n>", "seed for split, shuffling, initial weights and dropout", number("--seed"))
    .option("--learning-rate <x>", "initial learning rate", number("--learning-rate"))
    .option("--decay-steps <n>", "learning-rate decay period in optimiser steps", number("--decay-steps"))
    .option("--decay-rate <x>", "learning-rate decay factor", number("--decay-rate"))
    .option("--no-staircase", "decay smoothly instead of in steps")
    .option("--dropout <x>", "dropout rate (default: the architecture's)", number("--dropout"))
    .option("--patience <n>", "early-stopping patience in epochs (0 = off)", number("--patience"))
    .option("--min-delta <x>", "smallest val_accuracy gain that counts", number("--min-delta"))
    .option(
      "--checkpoint-every <s>",
      "mid-epoch resume checkpoint period in seconds (0 = epoch ends only)",
      number("--checkpoint-every"),
    )
    .addOption(
      new Option("--weights <dtype>", "exported weight storage").choices(["float32", "float16", "uint8"]),
    )
    .addOption(new Option("--fit <how>", "fit photos to the square input").choices(["stretch", "centerCrop"]))
    .addOption(new Option("--backend <name>", "tfjs backend").choices(BACKEND_CHOICES))
    .option("--cache-dir <dir>", "decoded-image cache (default ~/.cache/marquee)")
    .option("--resume", "continue the interrupted run in --out from its last checkpoint")
    .option("--no-charts", "skip the PNG charts")
    .option("--summary", "print the model summary and exit")
    .option("--num-classes <n>", "class count for --summary without --data", number("--num-classes"))
    .addOption(
      new Option(
        "--head <kind>",
        "face: head architecture (auto tries all, keeps the best on validation)",
      ).choices(["auto", "imprinted", "linear", "mlp"]),
    )
    .addOption(
      new Option(
        "--rejection <rule>",
        "face: open-set rule (default: whichever separates strangers better)",
      ).choices(["distance", "probability"]),
    )
    .option(
      "--strangers <dir>",
      "face: folder of class folders of people not in --data, reported as strangers",
    )
    .option(
      "--workers <n>",
      "worker threads: data-parallel training steps (image models, wasm) or face embedding (default: available cores)",
      number("--workers"),
    )
    .addOption(
      new Option(
        "--split <kind>",
        "validation split: duplicate-aware (stratified, no copies across) or random (Keras' own, numpy-seeded)",
      ).choices(["duplicate-aware", "random"]),
    );
}

/** Only the values the user gave (commander's `--no-x` flags default to true; that is not "given"). */
function givenValues(program: Command): Record<string, unknown> {
  const o = program.opts();
  return Object.fromEntries(Object.entries(o).filter(([k]) => program.getOptionValueSource(k) === "cli"));
}

/** Attribute name → the flag as typed (`validationSplit` → `--validation-split`, `charts` → `--no-charts`). */
function flagNames(program: Command): Map<string, string> {
  return new Map(program.options.map((opt) => [opt.attributeName(), opt.long ?? opt.flags]));
}

/** A parsed command line: the given flags and the flag spelling of each (for messages). */
export interface Parsed<T> {
  flags: T;
  /** Attribute name → flag as typed, for messages. */
  names: ReadonlyMap<string, string>;
  /** Positional arguments (predict's photos). */
  args: string[];
}

/** Commander that throws instead of exiting, so tests (and {@link runCli}) decide what happens. */
function quietly(program: Command, silent: boolean): Command {
  program.exitOverride();
  if (silent) program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  return program;
}

/**
 * Parse `pnpm train`'s arguments (without node and script): only given flags are set, plus `model`.
 * Throws commander's error for unknown flags, bad choices and non-numbers.
 *
 * @example
 * const { flags, names } = parseTrainArgs(["--data", "photos", "--epochs", "5"], { models, defaultModel });
 */
export function parseTrainArgs(
  argv: readonly string[],
  choices: { models: readonly string[]; defaultModel: string; silent?: boolean },
): Parsed<TrainFlags> {
  const program = quietly(trainCommand(choices.models, choices.defaultModel), choices.silent ?? false);
  program.parse([...argv], { from: "user" });
  return {
    flags: { ...givenValues(program), model: program.opts().model as string } as TrainFlags,
    names: flagNames(program),
    args: program.args,
  };
}

/**
 * Parse `pnpm evaluate`'s arguments.
 *
 * @example
 * const { flags } = parseEvaluateArgs(["--data", "val", "--json"], { defaultModelDir: "models/default" });
 */
export function parseEvaluateArgs(
  argv: readonly string[],
  o: { defaultModelDir: string; silent?: boolean },
): Parsed<EvaluateFlags> {
  const program = quietly(
    new Command()
      .name("pnpm evaluate")
      .description("Evaluate an exported model on a folder of class folders (e.g. a held-out test set).")
      .option("--model-dir <dir>", "export folder, or a run folder containing model/", o.defaultModelDir)
      .requiredOption(
        "--data <dir>",
        "folder with one sub-folder per class; names must match the model's labels (face models: other folders count as strangers)",
      )
      .option("--batch-size <n>", "batch size (image models; default 32)", number("--batch-size"))
      .option("--charts <dir>", "also write confusion-matrix and per-class PNGs here (image models)")
      .option("--cache-dir <dir>", "decoded-image cache (default ~/.cache/marquee)")
      .option("--json", "print JSON")
      .addOption(new Option("--backend <name>", "tfjs backend").choices(BACKEND_CHOICES).default("auto")),
    o.silent ?? false,
  );
  program.parse([...argv], { from: "user" });
  const given = givenValues(program);
  const opts = program.opts();
  return {
    flags: { ...given, modelDir: opts.modelDir, data: opts.data, backend: opts.backend } as EvaluateFlags,
    names: flagNames(program),
    args: program.args,
  };
}

/**
 * Parse `pnpm predict`'s arguments; `args` are the photos.
 *
 * @example
 * const { flags, args } = parsePredictArgs(["a.jpg", "--top", "5"], { defaultModelDir: "models/default" });
 */
export function parsePredictArgs(
  argv: readonly string[],
  o: { defaultModelDir: string; silent?: boolean },
): Parsed<PredictFlags> {
  const program = quietly(
    new Command()
      .name("pnpm predict")
      .description("Print the top classes for each photo, using an exported model (the best weights).")
      .option(
        "--model-dir <dir>",
        "export folder (model.json + metadata.json), or a run folder containing model/",
        o.defaultModelDir,
      )
      .argument("<photos...>", "image files (JPEG, PNG, WebP, GIF, AVIF), or folders: every image in them")
      .option("--json", "print JSON instead of text", false)
      .option("--top-k <n>", "classes to show per photo (the API's top_k)", number("--top-k"), 3)
      .addOption(new Option("--top <n>", "same as --top-k").argParser(number("--top")).hideHelp())
      .addOption(new Option("--backend <name>", "tfjs backend").choices(BACKEND_CHOICES).default("auto")),
    o.silent ?? false,
  );
  program.parse([...argv], { from: "user" });
  const { topK, top, ...rest } = program.opts();
  if (top !== undefined && program.getOptionValueSource("topK") === "cli")
    throw new MarqueeError("bad_request", "--top is another name for --top-k; give one of them.");
  const names = flagNames(program);
  // One attribute, `top`, named after the spelling the user typed.
  (names as Map<string, string>).set("top", top === undefined ? "--top-k" : "--top");
  return { flags: { ...rest, top: top ?? topK } as PredictFlags, names, args: program.args };
}

/**
 * Check parsed flags before any work: every numeric value against its range, and every given flag
 * against what the task honours (`supported`; omit to allow all). Throws `bad_request` naming the flag,
 * e.g. "--validation-split must be between 0 and 1 (got 1.5)".
 *
 * @example
 * checkFlags(parsed, { supported: task.trainFlags, task: task.pipeline });
 */
export function checkFlags(
  parsed: Pick<Parsed<object>, "flags" | "names">,
  o: { supported?: ReadonlySet<string>; always?: readonly string[]; task?: string } = {},
): void {
  const always = new Set(o.always ?? []);
  for (const [key, value] of Object.entries(parsed.flags)) {
    if (value === undefined) continue;
    const flag = parsed.names.get(key) ?? key;
    if (o.supported && !always.has(key) && !o.supported.has(key)) {
      throw new MarqueeError(
        "bad_request",
        `${flag} does not apply to ${o.task ?? "this"} models; leave it out (their flags: ${[
          ...always,
          ...o.supported,
        ]
          .map((k) => parsed.names.get(k) ?? k)
          .join(", ")}).`,
      );
    }
    const rule = RULES[key];
    const problem = rule && typeof value === "number" ? rule(value) : null;
    if (problem) throw new MarqueeError("bad_request", `${flag} ${problem} (got ${value}).`);
  }
}
