// The worker's gallery API (issue 13) as types: `/galleries/{gallery}/…` and `/verify`. The worker
// answers with them; the page, the tests and `pnpm gallery` read the same shapes.
import type { FractionBox } from "./types.ts";

/** Which network made an embedding. A gallery only ever holds embeddings of one embedder. */
export interface EmbedderId {
  /** e.g. `@vladmandic/face-api/face_recognition_model`. */
  name: string;
  /** e.g. `1.7.15` (the package version the weights came from). */
  version: string;
  /** Values per embedding (128 for dlib's ResNet descriptor). */
  dimensions: number;
}

/** One enrolled face: its id (for `DELETE …/faces/{id}`) and where it was in the photo. */
export interface EnrolledFace {
  id: number;
  box: FractionBox;
}

/** 201 response of `POST /galleries/{gallery}/people/{person}/faces`. */
export interface EnrolResponse {
  gallery: string;
  person: string;
  /** Faces added by this request (one per photo). */
  added: number;
  faces: EnrolledFace[];
  /** Faces the person has now. */
  total: number;
}

/** One person of `GET /galleries/{gallery}/people`. */
export interface GalleryPerson {
  person: string;
  /** Enrolled faces. */
  faces: number;
  /** ISO time of the last enrolment or deletion of one of their faces. */
  updatedAt: string;
}

/** Response of `GET /galleries/{gallery}/people`. */
export interface PeopleResponse {
  gallery: string;
  people: GalleryPerson[];
  /** Null while the gallery holds no face. */
  embedder: EmbedderId | null;
}

/** One candidate of an identify answer: the person's nearest enrolled face. */
export interface GalleryMatch {
  person: string;
  /** Euclidean distance between the unit-length query and the person's nearest face (0–2). */
  distance: number;
  /** Cosine similarity with that face (−1–1). */
  similarity: number;
}

/** One face of `POST /galleries/{gallery}/identify`. */
export interface IdentifiedFace {
  box: FractionBox;
  detectionScore: number;
  /** The best match when its distance is at most the threshold, else `"unknown"`. */
  label: string;
  /** Best first, at most `top_k`; may be empty (empty gallery). */
  matches: GalleryMatch[];
}

/** 200 response of `POST /galleries/{gallery}/identify`. */
export interface IdentifyResponse {
  gallery: string;
  /** The distance threshold used (the default or `?threshold=`). */
  threshold: number;
  /** Largest first, as `/predict`'s `faces`. */
  faces: IdentifiedFace[];
  /** Faces searched. */
  searched: number;
  image: { width: number; height: number; format: string };
  timingsMs: { decode: number; embed: number; search: number; total: number };
  /** A human sentence when no face was found. */
  message?: string;
}

/** 200 response of `POST /verify`. */
export interface VerifyResponse {
  samePerson: boolean;
  /** Euclidean distance between the unit-length embeddings of the largest face of `a` and of `b`. */
  distance: number;
  similarity: number;
  threshold: number;
}

/** 200 response of `POST /galleries/{gallery}/import`. */
export interface ImportResponse {
  gallery: string;
  /** People the import touched. */
  people: number;
  /** Faces added. */
  added: number;
  /** Faces in the gallery afterwards. */
  total: number;
}
