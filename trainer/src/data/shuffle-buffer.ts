import { type Random, randomInt } from "../util/random.ts";

/**
 * The order `tf.data.Dataset.shuffle(bufferSize)` produces over items 0..count-1: keep a
 * buffer of the next `bufferSize` items, emit a random one and refill its slot from the
 * stream. A buffer at least as large as the data is a full uniform shuffle.
 * Only indices are shuffled, so this costs 4 bytes per image whatever the image size.
 *
 * @example
 * shuffleBufferOrder(5, 1000, seededRandom(123, epoch)) // e.g. [3, 0, 4, 1, 2]
 */
export function shuffleBufferOrder(count: number, bufferSize: number, rand: Random): number[] {
  const size = Math.max(1, Math.min(bufferSize, count));
  const buffer: number[] = [];
  let next = 0;
  while (next < size) buffer.push(next++);
  const order: number[] = [];
  while (buffer.length > 0) {
    const j = randomInt(rand, buffer.length);
    order.push(buffer[j]!);
    if (next < count) buffer[j] = next++;
    else {
      buffer[j] = buffer[buffer.length - 1]!;
      buffer.pop();
    }
  }
  return order;
}
