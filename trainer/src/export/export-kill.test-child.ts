// Child process for the kill-during-export test: exports to argv[2] in a loop until killed.
import * as tf from "@tensorflow/tfjs";
import { exportModel } from "./export-model.ts";
import { smallTestModel, testMetadata } from "./test-support.ts";

await tf.setBackend("cpu");
const dir = process.argv[2]!;
const model = smallTestModel(1, 24);
for (let i = 0; ; i++) {
  await exportModel(model, { dir, metadata: testMetadata(`run-${i}`, 24), shardBytes: 8 * 1024 });
  if (i === 0) process.stdout.write("first\n");
}
