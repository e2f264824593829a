// Adam's hyperparameters on their own, so option defaults can be read without loading tfjs.

/** Adam's hyperparameters (Keras defaults). */
export interface AdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** Keras' Adam defaults; note epsilon 1e-7, not tfjs' 1e-8. */
export const DEFAULT_ADAM: AdamOptions = Object.freeze({ beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
