/** Open-set calibration: how well a rejection threshold separates known faces from strangers. */

/** One scored face: the head's best class, its probability and its centroid distance. */
export interface ScoredFace {
  /** Head's best class index. */
  predicted: number;
  /** True class index, or -1 for a stranger. */
  actual: number;
  probability: number;
  distance: number;
}

/** A rejection rule kind, as in metadata.json's `face.rejection.kind`. */
export type RejectionKind = "probability" | "distance";

/** Whether the rule accepts a face at `threshold`. Must match shared's classifyFaceHead. */
export function accepts(kind: RejectionKind, threshold: number, face: ScoredFace): boolean {
  return kind === "probability" ? face.probability >= threshold : face.distance <= threshold;
}

/** One point of the trade-off curve. */
export interface TradeOffPoint {
  threshold: number;
  /** Known faces accepted AND given the right class, over all known faces. */
  knownAcceptedCorrect: number;
  /** Known faces accepted (right or wrong class). */
  knownAccepted: number;
  /** Strangers rejected (answered unknown). */
  strangersRejected: number;
}

/** The trade-off across thresholds for one rule. */
export function tradeOffCurve(
  kind: RejectionKind,
  known: readonly ScoredFace[],
  strangers: readonly ScoredFace[],
  thresholds: readonly number[] = defaultThresholds(kind),
): TradeOffPoint[] {
  return thresholds.map((threshold) => {
    let acceptedCorrect = 0;
    let accepted = 0;
    for (const f of known) {
      if (!accepts(kind, threshold, f)) continue;
      accepted++;
      if (f.predicted === f.actual) acceptedCorrect++;
    }
    const rejected = strangers.filter((f) => !accepts(kind, threshold, f)).length;
    return {
      threshold,
      knownAcceptedCorrect: known.length ? acceptedCorrect / known.length : 0,
      knownAccepted: known.length ? accepted / known.length : 0,
      strangersRejected: strangers.length ? rejected / strangers.length : 0,
    };
  });
}

/**
 * Thresholds to sweep: probabilities 0..1 step 0.01; distances 0.1..0.8 step 0.0025 (unit-length
 * descriptors of one person lie within ~0.3 of their centroid; strangers beyond ~0.35).
 */
export function defaultThresholds(kind: RejectionKind): number[] {
  if (kind === "probability") return Array.from({ length: 101 }, (_, i) => i / 100);
  return Array.from({ length: 281 }, (_, i) => Math.round((0.1 + i * 0.0025) * 10000) / 10000);
}

/**
 * Pick a threshold: among points rejecting at least `minStrangersRejected` of strangers, those that
 * accept the most known faces correctly, and of them the middle one (by threshold). With a few
 * hundred known faces that plateau is wide: its tight end sits exactly on one validation face's
 * distance (new photos of the same people land a little farther out), its loose end on the
 * stranger limit; the middle leaves a margin on both sides. If no point reaches the stranger
 * target, the one with the best worst-case of the two rates (middle of ties).
 */
export function pickThreshold(curve: readonly TradeOffPoint[], minStrangersRejected = 0.95): TradeOffPoint {
  const ok = curve.filter((p) => p.strangersRejected >= minStrangersRejected);
  const pool = ok.length ? ok : curve;
  const first = (p: TradeOffPoint) =>
    ok.length ? p.knownAcceptedCorrect : Math.min(p.knownAcceptedCorrect, p.strangersRejected);
  const bestFirst = Math.max(...pool.map(first));
  const tied = pool.filter((p) => first(p) === bestFirst).sort((a, b) => a.threshold - b.threshold);
  return tied[Math.floor((tied.length - 1) / 2)]!;
}

/** The worst-case of the two rates at the best threshold: how well a rule separates at all. */
export function balancedScore(curve: readonly TradeOffPoint[]): number {
  return Math.max(...curve.map((p) => Math.min(p.knownAcceptedCorrect, p.strangersRejected)));
}

/**
 * Split class indices into folds of about `size` held-out classes (seeded), for leave-k-classes-out
 * stranger runs: every class is a stranger exactly once.
 */
export function strangerFolds(numClasses: number, size: number, seed: number): number[][] {
  const order = Array.from({ length: numClasses }, (_, i) => i);
  let s = seed >>> 0 || 1;
  for (let i = order.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const count = Math.max(1, Math.round(numClasses / size));
  const folds: number[][] = Array.from({ length: count }, () => []);
  order.forEach((c, i) => {
    folds[i % count]!.push(c);
  });
  return folds.map((f) => f.sort((a, b) => a - b));
}
