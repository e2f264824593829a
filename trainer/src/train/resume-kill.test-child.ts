// Child process for the SIGKILL-resume test: trains the toy run in argv[2], printing each step, until
// done (then prints the result as JSON) or killed.
import * as tf from "@tensorflow/tfjs";
import { toyFitRun } from "./test-support.ts";

await tf.setBackend("cpu");
const [dir, epochs, resume] = process.argv.slice(2);
const result = await toyFitRun(dir!, {
  epochs: Number(epochs),
  resume: resume === "resume",
  onStep: (e, b) => process.stdout.write(`step ${e} ${b}\n`),
});
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
