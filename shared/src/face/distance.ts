/**
 * Euclidean distance between two face descriptors (face-api's `euclideanDistance`).
 * With dlib's descriptor, the same person is usually below 0.6 and below 0.4 for the same photo.
 */
export function euclideanDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length)
    throw new RangeError(`Descriptors differ in length: ${a.length} vs ${b.length}.`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/** A label with its reference descriptors. */
export interface LabeledDescriptors {
  label: string;
  descriptors: ArrayLike<number>[];
}

/** The best match of a descriptor: a label, or "unknown" when farther than the threshold. */
export interface FaceMatch {
  label: string;
  distance: number;
}

/**
 * Nearest-label matching as in face-api's FaceMatcher: the distance to a label is the mean distance
 * to its descriptors; beyond `distanceThreshold` (default 0.6) the answer is "unknown".
 *
 * @example
 * const matcher = new FaceMatcher([{ label: "ada", descriptors: [d1, d2] }]);
 * matcher.findBestMatch(query); // { label: "ada", distance: 0.31 }
 */
export class FaceMatcher {
  constructor(
    readonly labeled: LabeledDescriptors[],
    readonly distanceThreshold = 0.6,
  ) {
    if (labeled.length === 0 || labeled.some((l) => l.descriptors.length === 0)) {
      throw new RangeError("FaceMatcher needs at least one label, each with at least one descriptor.");
    }
  }

  /** The nearest label by mean distance, without the threshold. */
  matchDescriptor(query: ArrayLike<number>): FaceMatch {
    let best: FaceMatch = { label: "", distance: Infinity };
    for (const { label, descriptors } of this.labeled) {
      const mean = descriptors.reduce((s, d) => s + euclideanDistance(d, query), 0) / descriptors.length;
      if (mean < best.distance) best = { label, distance: mean };
    }
    return best;
  }

  /** The nearest label, or "unknown" when its distance is not below the threshold. */
  findBestMatch(query: ArrayLike<number>): FaceMatch {
    const best = this.matchDescriptor(query);
    return best.distance < this.distanceThreshold ? best : { label: "unknown", distance: best.distance };
  }
}
