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
