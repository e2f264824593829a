/** A detected face as far as subject selection needs it. */
export interface ScoredBox {
  box: { width: number; height: number };
  score: number;
}

/**
 * Faces scoring below this share of the best face's score are not taken as the photo's subject.
 * Seen on celeb17: with the tiny detector a 0.63 false positive (a hoodie) larger than the real
 * 0.96 face was "the largest face". 0.8 is a judgement call, not a tuned value.
 */
export const SUBJECT_SCORE_RATIO = 0.8;

/**
 * Index of the photo's subject: the largest face among those scoring at least
 * {@link SUBJECT_SCORE_RATIO} of the best score (a large but doubtful detection does not win over a
 * clear face). -1 for no faces. The trainer labels photos by this face, and `predictions` at the top
 * level of a face answer should describe it too.
 *
 * @example
 * const faces = await detectFaces(models, image); // largest first
 * const subject = faces[subjectFaceIndex(faces)];
 */
export function subjectFaceIndex(faces: readonly ScoredBox[]): number {
  if (faces.length === 0) return -1;
  const best = Math.max(...faces.map((f) => f.score));
  let pick = -1;
  let pickArea = -1;
  faces.forEach((f, i) => {
    const area = f.box.width * f.box.height;
    if (f.score >= SUBJECT_SCORE_RATIO * best && area > pickArea) {
      pick = i;
      pickArea = area;
    }
  });
  return pick;
}
