/** The addon's timed loop of bench/forward: n awaited calls, wall time of each in ms. */
export async function timeCalls(model, input, n) {
  const ms = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await model.forward(input, { outputs: ["pooled"], layers: [-1] });
    ms.push(performance.now() - start);
  }
  return ms;
}
