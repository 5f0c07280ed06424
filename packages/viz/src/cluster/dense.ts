import { native } from "@audiomap/core-native";
import type { Metric } from "../knn/knn.js";
import { checkMatrix, type Shape } from "../knn/matrix.js";

/**
 * The full n × n distance matrix (computed natively, blockwise), for the clusterers that need
 * every pair. Refuses sizes whose matrix would not fit comfortably in memory.
 */
export async function denseDistances(
  data: Float32Array,
  shape: Shape,
  metric: Metric,
  maxPoints: number,
  what: string,
): Promise<Float32Array> {
  checkMatrix(data, shape);
  const [n, d] = shape;
  if (n > maxPoints) {
    throw Object.assign(
      new RangeError(
        `${what} keeps all n² distances in memory and is limited to ${maxPoints} points (got ${n}); use kmeans, or cluster a sample`,
      ),
      { code: "ERR_TOO_MANY_POINTS" },
    );
  }
  return native().pairwiseDistances(data, n, d, { metric });
}
