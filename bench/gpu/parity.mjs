#!/usr/bin/env node
// Step 3 of bench/gpu/run.sh: numerical parity of the addon on the device under test.
//   tiny:  logits and pooled hidden states (layers 0, 1, -1) on --device in float32 against the
//          addon on the CPU in float32 (on a GPU host), and the CPU's logits against Python
//          torch's torch.jit.load of the same file (every host);
//   large: pooled embeddings of the last layer in each of --dtypes against float32 on --device,
//          cosine per clip (issue target >= 0.999).
// A padded batch of three clips (the two shorter ones zero-padded) of seeded tones and noise.
// Writes --out (JSON); exits 1 when a check fails.
// usage: node parity.mjs --tree DIR --device cuda|cpu --dtypes float32,float16,bfloat16
//                        --tiny tiny.pt --large large.pt --python PY --out parity.json
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values: a } = parseArgs({
  options: {
    tree: { type: "string" },
    device: { type: "string", default: "cuda" },
    dtypes: { type: "string", default: "float32,float16,bfloat16" },
    tiny: { type: "string" },
    large: { type: "string" },
    python: { type: "string", default: "python3" },
    out: { type: "string" },
  },
});
const { loadModel } = await import(`${a.tree}/packages/core-native/dist/index.js`);

// Tolerances. CUDA float32 differs from the CPU by summation order and by cuDNN's TF32
// convolutions (allowed by default in LibTorch): about 1e-3 relative; float16/bfloat16 against
// float32 is the cosine target.
const FP32_DEVICE_REL = 5e-3;
const PYTHON_REL = 1e-4;
const HALF_COSINE = 0.999;

function clips(batch, length, lengths, seed) {
  const audio = new Float32Array(batch * length);
  let s = seed;
  const noise = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  for (let b = 0; b < batch; b++) {
    const f = 120 + 40 * b;
    for (let i = 0; i < (lengths[b] ?? length); i++) {
      const t = i / 16000;
      audio[b * length + i] =
        0.5 * Math.sin(2 * Math.PI * f * t) +
        0.2 * Math.sin(2 * Math.PI * 3.1 * f * t) +
        0.1 * noise();
    }
  }
  return { audio, batch, length, lengths };
}

async function run(path, device, dtype, input, outputs, layers) {
  const model = await loadModel(path, { device, dtype });
  try {
    return await model.forward(input, { outputs, layers });
  } finally {
    model.dispose();
  }
}

function compare(x, ref) {
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(x[i] - ref[i]));
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
  }
  return { maxAbs, rel: maxAbs / (maxRef || 1) };
}

function cosines(x, ref, width) {
  const out = [];
  for (let r = 0; r < ref.length / width; r++) {
    let dot = 0;
    let nx = 0;
    let nr = 0;
    for (let i = r * width; i < (r + 1) * width; i++) {
      dot += x[i] * ref[i];
      nx += x[i] * x[i];
      nr += ref[i] * ref[i];
    }
    out.push(dot / Math.sqrt(nx * nr));
  }
  return out;
}

const result = { device: a.device, checks: [] };
const check = (name, ok, detail) => {
  result.checks.push({ name, ok, ...detail });
  console.log(`${ok ? "ok  " : "FAIL"} ${name} ${JSON.stringify(detail)}`);
};

// tiny
const tinyInput = clips(3, 16000, [16000, 9000, 4410], 7);
const layers = [0, 1, -1];
const cpu = await run(a.tiny, "cpu", "float32", tinyInput, ["pooled", "logits"], layers);
const py = JSON.parse(
  execFileSync(
    a.python,
    [
      "-c",
      `import json, sys, torch
audio = torch.frombuffer(bytearray(sys.stdin.buffer.read()), dtype=torch.float32).reshape(3, 16000)
m = torch.jit.load(sys.argv[1], map_location="cpu").eval()
with torch.inference_mode():
    out = m(audio, torch.tensor([16000, 9000, 4410]), [0, 1, -1])
print(json.dumps({"torch": torch.__version__, "logits": out["logits"].float().flatten().tolist()}))`,
      a.tiny,
    ],
    { input: Buffer.from(tinyInput.audio.buffer), encoding: "utf8", maxBuffer: 1 << 24 },
  )
    .trim()
    .split("\n")
    .pop(),
);
const vsPython = compare(cpu.logits.data, Float32Array.from(py.logits));
check(
  `tiny logits: addon cpu float32 vs Python torch ${py.torch} (rel <= ${PYTHON_REL})`,
  vsPython.rel <= PYTHON_REL,
  vsPython,
);
if (a.device !== "cpu") {
  const dev = await run(a.tiny, a.device, "float32", tinyInput, ["pooled", "logits"], layers);
  for (const name of ["logits", "pooled"]) {
    const c = compare(dev[name].data, cpu[name].data);
    check(
      `tiny ${name}: ${a.device} float32 vs cpu float32 (rel <= ${FP32_DEVICE_REL})`,
      c.rel <= FP32_DEVICE_REL,
      c,
    );
  }
}

// large
const largeInput = clips(3, 32000, [32000, 20000, 8000], 11);
const ref = await run(a.large, a.device, "float32", largeInput, ["pooled"], [-1]);
const width = ref.pooled.shape.at(-1);
for (const dtype of a.dtypes.split(",").filter((d) => d !== "float32")) {
  const r = await run(a.large, a.device, dtype, largeInput, ["pooled"], [-1]);
  const cos = cosines(r.pooled.data, ref.pooled.data, width);
  check(
    `large pooled: ${a.device} ${dtype} vs float32, cosine per clip (>= ${HALF_COSINE})`,
    Math.min(...cos) >= HALF_COSINE,
    {
      cosine: cos,
      ...compare(r.pooled.data, ref.pooled.data),
    },
  );
}
if (!a.dtypes.split(",").includes("float16"))
  result.notChecked = "float16: LibTorch has no CPU float16 convolutions; checked on a GPU only";
writeFileSync(a.out, JSON.stringify(result, null, 1));
process.exit(result.checks.every((c) => c.ok) ? 0 : 1);
