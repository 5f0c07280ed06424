// N-API surface of the compute kernels: `knn` and `kmeans`, each an AsyncWorker that resolves
// a Promise. Inputs stay referenced (not copied) while the worker runs; callers must not
// mutate them until the Promise settles.
#include <napi.h>

#include <cstring>
#include <functional>
#include <memory>
#include <vector>
#include <optional>
#include <string>
#include <tuple>

#include "distances.h"
#include "kmeans.h"
#include "kmeans_minibatch.h"
#include "knn.h"
#include "knn_hnsw.h"
#include "layout.h"
#include "registry.h"

namespace audiomap::compute {
namespace {

// A Float32Array [rows, cols] kept alive for the worker's lifetime.
struct Matrix {
  Napi::Reference<Napi::Float32Array> ref;
  const float *data = nullptr;
  int64_t rows = 0, cols = 0;

  at::Tensor View(const c10::Device &device) const {
    at::Tensor t = at::from_blob(const_cast<float *>(data), {rows, cols}, at::kFloat);
    return device.is_cpu() ? t : t.to(device);
  }
};

Matrix ReadMatrix(const Napi::Value &value, const Napi::Value &rows, const Napi::Value &cols,
                  const char *what) {
  Napi::Env env = value.Env();
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(env, std::string(what) + " must be a Float32Array");
  }
  if (!rows.IsNumber() || !cols.IsNumber()) {
    throw Napi::TypeError::New(env, std::string(what) + ": rows and cols must be numbers");
  }
  Matrix m;
  auto array = value.As<Napi::Float32Array>();
  m.rows = rows.As<Napi::Number>().Int64Value();
  m.cols = cols.As<Napi::Number>().Int64Value();
  if (m.rows < 1 || m.cols < 1 || static_cast<int64_t>(array.ElementLength()) != m.rows * m.cols) {
    throw Napi::RangeError::New(
        env, std::string(what) + ": shape [" + std::to_string(m.rows) + ", " +
                 std::to_string(m.cols) + "] does not match " +
                 std::to_string(array.ElementLength()) + " elements");
  }
  m.data = array.Data();
  m.ref = Napi::Persistent(array);
  return m;
}

int64_t IntOption(const Napi::Object &o, const char *key, int64_t fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string(key) + " must be a number");
  return v.As<Napi::Number>().Int64Value();
}

double NumberOption(const Napi::Object &o, const char *key, double fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string(key) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

std::string StringOption(const Napi::Object &o, const char *key, const std::string &fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsString()) throw Napi::TypeError::New(o.Env(), std::string(key) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

Napi::Int32Array ToInt32(Napi::Env env, const at::Tensor &t) {
  at::Tensor c = t.to(at::kCPU, at::kInt).contiguous();
  auto out = Napi::Int32Array::New(env, static_cast<size_t>(c.numel()));
  std::memcpy(out.Data(), c.data_ptr<int32_t>(), c.numel() * sizeof(int32_t));
  return out;
}

Napi::Float32Array ToFloat32(Napi::Env env, const at::Tensor &t) {
  at::Tensor c = t.to(at::kCPU, at::kFloat).contiguous();
  auto out = Napi::Float32Array::New(env, static_cast<size_t>(c.numel()));
  std::memcpy(out.Data(), c.data_ptr<float>(), c.numel() * sizeof(float));
  return out;
}

// Base worker: runs `Run()` off the main thread and turns exceptions into rejections that name
// the operation.
class ComputeWorker : public Napi::AsyncWorker {
 public:
  ComputeWorker(Napi::Env env, const char *name, std::string device, int threads)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)), name_(name),
        deviceName_(std::move(device)), threads_(threads) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  virtual void Run(const c10::Device &device) = 0;
  virtual Napi::Value Result(Napi::Env env) = 0;

  void Execute() override {
    try {
      UseThreads(threads_);
      Run(ParseDevice(deviceName_));
    } catch (const c10::Error &e) {
      SetError(name_ + ": " + e.what_without_backtrace());
    } catch (const std::exception &e) {
      SetError(name_ + ": " + e.what());
    } catch (...) {
      SetError(name_ + ": unknown native error");
    }
  }
  void OnOK() override { deferred_.Resolve(Result(Env())); }
  void OnError(const Napi::Error &e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::string name_;
  std::string deviceName_;
  int threads_;
};

class KnnWorker : public ComputeWorker {
 public:
  KnnWorker(Napi::Env env, Matrix data, std::optional<Matrix> queries, KnnOptions opt, bool hnsw,
            HnswOptions hnswOpt, std::string device, int threads)
      : ComputeWorker(env, "knn", std::move(device), threads), data_(std::move(data)),
        queries_(std::move(queries)), opt_(opt), hnsw_(hnsw), hnswOpt_(hnswOpt) {}

 protected:
  void Run(const c10::Device &device) override {
    at::Tensor x = data_.View(device);
    at::Tensor q = queries_ ? queries_->View(device) : at::Tensor();
    result_ = hnsw_ ? HnswKnn(x, q, opt_, hnswOpt_) : ExactKnn(x, q, opt_);
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    out.Set("indices", ToInt32(env, result_.indices));
    out.Set("distances", ToFloat32(env, result_.distances));
    out.Set("k", Napi::Number::New(env, static_cast<double>(opt_.k)));
    return out;
  }

 private:
  Matrix data_;
  std::optional<Matrix> queries_;
  KnnOptions opt_;
  bool hnsw_;
  HnswOptions hnswOpt_;
  KnnResult result_;
};

class KmeansWorker : public ComputeWorker {
 public:
  KmeansWorker(Napi::Env env, Matrix data, KmeansOptions opt, std::string device, int threads)
      : ComputeWorker(env, "kmeans", std::move(device), threads), data_(std::move(data)),
        opt_(opt) {}

 protected:
  void Run(const c10::Device &device) override { result_ = Kmeans(data_.View(device), opt_); }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    out.Set("labels", ToInt32(env, result_.labels));
    out.Set("centroids", ToFloat32(env, result_.centroids));
    out.Set("inertia", Napi::Number::New(env, result_.inertia));
    out.Set("iterations", Napi::Number::New(env, static_cast<double>(result_.iterations)));
    return out;
  }

 private:
  Matrix data_;
  KmeansOptions opt_;
  KmeansResult result_;
};

class MiniBatchKmeansWorker : public ComputeWorker {
 public:
  MiniBatchKmeansWorker(Napi::Env env, Matrix data, MiniBatchKmeansOptions opt, int threads)
      : ComputeWorker(env, "miniBatchKmeans", "cpu", threads), data_(std::move(data)),
        opt_(opt) {}

 protected:
  void Run(const c10::Device &device) override {
    result_ = MiniBatchKmeans(data_.View(device), opt_);
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    out.Set("labels", ToInt32(env, result_.labels));
    out.Set("centroids", ToFloat32(env, result_.centroids));
    out.Set("inertia", Napi::Number::New(env, result_.inertia));
    out.Set("iterations", Napi::Number::New(env, static_cast<double>(result_.iterations)));
    out.Set("steps", Napi::Number::New(env, static_cast<double>(result_.steps)));
    return out;
  }

 private:
  Matrix data_;
  MiniBatchKmeansOptions opt_;
  MiniBatchKmeansResult result_;
};

// A worker for one-shot kernels: `run` computes a tensor off the main thread, `wrap` converts it.
class TensorWorker : public ComputeWorker {
 public:
  using RunFn = std::function<at::Tensor(const c10::Device &)>;
  using WrapFn = std::function<Napi::Value(Napi::Env, const at::Tensor &)>;
  TensorWorker(Napi::Env env, const char *name, std::vector<Matrix> keep, RunFn run, WrapFn wrap,
               std::string device, int threads)
      : ComputeWorker(env, name, std::move(device), threads), keep_(std::move(keep)),
        run_(std::move(run)), wrap_(std::move(wrap)) {}

 protected:
  void Run(const c10::Device &device) override { result_ = run_(device); }
  Napi::Value Result(Napi::Env env) override { return wrap_(env, result_); }

 private:
  std::vector<Matrix> keep_;
  RunFn run_;
  WrapFn wrap_;
  at::Tensor result_;
};

Napi::Object OptionsArg(const Napi::CallbackInfo &info, size_t index) {
  if (info.Length() <= index || info[index].IsUndefined()) return Napi::Object::New(info.Env());
  if (!info[index].IsObject()) throw Napi::TypeError::New(info.Env(), "options must be an object");
  return info[index].As<Napi::Object>();
}

// knn(data, rows, cols, options) -> Promise<{indices: Int32Array, distances: Float32Array, k}>
Napi::Value KnnJs(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Matrix data = ReadMatrix(info[0], info[1], info[2], "data");
  Napi::Object o = OptionsArg(info, 3);
  KnnOptions opt;
  opt.k = IntOption(o, "k", 15);
  try {
    opt.metric = ParseMetric(StringOption(o, "metric", "euclidean"));
  } catch (const std::invalid_argument &e) {
    throw Napi::RangeError::New(env, e.what());
  }
  opt.excludeSelf = o.Get("excludeSelf").IsUndefined() ? true : o.Get("excludeSelf").ToBoolean();
  opt.blockBytes = IntOption(o, "blockBytes", opt.blockBytes);
  std::optional<Matrix> queries;
  if (!o.Get("queries").IsUndefined()) {
    queries = ReadMatrix(o.Get("queries"), o.Get("queryRows"), info[2], "queries");
  }
  const std::string method = StringOption(o, "method", "exact");
  if (method != "exact" && method != "hnsw") {
    throw Napi::RangeError::New(env, "unknown method '" + method + "' (supported: exact, hnsw)");
  }
  const std::string device = StringOption(o, "device", "cpu");
  const int threads = static_cast<int>(IntOption(o, "threads", 0));
  HnswOptions hnsw;
  hnsw.m = IntOption(o, "hnswM", hnsw.m);
  hnsw.efConstruction = IntOption(o, "efConstruction", hnsw.efConstruction);
  hnsw.efSearch = IntOption(o, "efSearch", hnsw.efSearch);
  hnsw.seed = static_cast<uint64_t>(IntOption(o, "seed", 0));
  hnsw.threads = threads;
  if (method == "hnsw") {
    try {
      CheckHnswOptions(hnsw);
    } catch (const std::invalid_argument &e) {
      throw Napi::RangeError::New(env, e.what());
    }
    if (device != "cpu") {
      throw Napi::RangeError::New(env, "method 'hnsw' runs on the CPU; got device '" + device +
                                           "' (use method 'exact' on a GPU)");
    }
  }
  auto *worker = new KnnWorker(env, std::move(data), std::move(queries), opt, method == "hnsw",
                               hnsw, device, threads);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// kmeans(data, rows, cols, options) -> Promise<{labels, centroids, inertia, iterations}>
Napi::Value KmeansJs(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Matrix data = ReadMatrix(info[0], info[1], info[2], "data");
  Napi::Object o = OptionsArg(info, 3);
  KmeansOptions opt;
  opt.k = IntOption(o, "k", opt.k);
  opt.nInit = IntOption(o, "nInit", opt.nInit);
  opt.maxIter = IntOption(o, "maxIter", opt.maxIter);
  opt.tol = NumberOption(o, "tol", opt.tol);
  opt.seed = static_cast<uint64_t>(IntOption(o, "seed", 0));
  opt.blockBytes = IntOption(o, "blockBytes", opt.blockBytes);
  if (opt.k < 1 || opt.k > data.rows) {
    throw Napi::RangeError::New(env, "k=" + std::to_string(opt.k) + " must be in [1, " +
                                         std::to_string(data.rows) + "]");
  }
  auto *worker = new KmeansWorker(env, std::move(data), opt, StringOption(o, "device", "cpu"),
                                  static_cast<int>(IntOption(o, "threads", 0)));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// miniBatchKmeans(data, rows, cols, options) -> Promise<{labels, centroids, inertia,
// iterations, steps}>; CPU only (each step is a small batch, not worth a device transfer).
Napi::Value MiniBatchKmeansJs(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Matrix data = ReadMatrix(info[0], info[1], info[2], "data");
  Napi::Object o = OptionsArg(info, 3);
  MiniBatchKmeansOptions opt;
  opt.k = IntOption(o, "k", opt.k);
  opt.batchSize = IntOption(o, "batchSize", opt.batchSize);
  opt.maxIter = IntOption(o, "maxIter", opt.maxIter);
  opt.maxNoImprovement = IntOption(o, "maxNoImprovement", opt.maxNoImprovement);
  opt.nInit = IntOption(o, "nInit", opt.nInit);
  opt.initSize = IntOption(o, "initSize", opt.initSize);
  opt.reassignmentRatio = NumberOption(o, "reassignmentRatio", opt.reassignmentRatio);
  opt.tol = NumberOption(o, "tol", opt.tol);
  opt.seed = static_cast<uint64_t>(IntOption(o, "seed", 0));
  auto range = [&](const char *name, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo || v > hi) {
      throw Napi::RangeError::New(env, std::string(name) + "=" + std::to_string(v) +
                                           " must be in [" + std::to_string(lo) + ", " +
                                           std::to_string(hi) + "]");
    }
  };
  range("k", opt.k, 1, data.rows);
  range("batchSize", opt.batchSize, 1, INT32_MAX);
  range("maxIter", opt.maxIter, 1, INT32_MAX);
  range("maxNoImprovement", opt.maxNoImprovement, 0, INT32_MAX);
  range("nInit", opt.nInit, 1, 10000);
  range("initSize", opt.initSize, 0, INT32_MAX);
  if (!(opt.reassignmentRatio >= 0) || !(opt.tol >= 0)) {
    throw Napi::RangeError::New(env, "reassignmentRatio and tol must be >= 0");
  }
  auto *worker = new MiniBatchKmeansWorker(env, std::move(data), opt,
                                           static_cast<int>(IntOption(o, "threads", 0)));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Metric MetricOption(const Napi::Object &o) {
  try {
    return ParseMetric(StringOption(o, "metric", "euclidean"));
  } catch (const std::invalid_argument &e) {
    throw Napi::RangeError::New(o.Env(), e.what());
  }
}

// A typed array of element type T, referenced for the worker's lifetime.
template <typename T>
struct Buffer {
  Napi::Reference<Napi::TypedArrayOf<T>> ref;
  T *data = nullptr;
  int64_t length = 0;
};

// `value` as a typed array of N-API type `type` with `expected` elements (-1: any length).
// `typeName` names the type with its article, for the error message ("an Int32Array").
template <typename T>
Buffer<T> ReadBuffer(const Napi::Value &value, napi_typedarray_type type, int64_t expected,
                     const char *what, const char *typeName) {
  Napi::Env env = value.Env();
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type) {
    throw Napi::TypeError::New(env, std::string(what) + " must be " + typeName);
  }
  auto array = value.As<Napi::TypedArrayOf<T>>();
  if (expected >= 0 && static_cast<int64_t>(array.ElementLength()) != expected) {
    throw Napi::RangeError::New(env, std::string(what) + ": expected " + std::to_string(expected) +
                                         " elements, got " +
                                         std::to_string(array.ElementLength()));
  }
  Buffer<T> out;
  out.data = array.Data();
  out.length = static_cast<int64_t>(array.ElementLength());
  out.ref = Napi::Persistent(array);
  return out;
}

// An Int32Array of labels or indices, viewed as an int64 tensor.
struct IntVector : Buffer<int32_t> {
  at::Tensor View() const {
    return at::from_blob(const_cast<int32_t *>(data), {length}, at::kInt).to(at::kLong);
  }
};

IntVector ReadInts(const Napi::Value &value, int64_t expected, const char *what) {
  return {ReadBuffer<int32_t>(value, napi_int32_array, expected, what, "an Int32Array")};
}

Napi::Float64Array ToFloat64(Napi::Env env, const at::Tensor &t) {
  at::Tensor c = t.to(at::kCPU, at::kDouble).contiguous();
  auto out = Napi::Float64Array::New(env, static_cast<size_t>(c.numel()));
  std::memcpy(out.Data(), c.data_ptr<double>(), c.numel() * sizeof(double));
  return out;
}

// pairwiseDistances(data, rows, cols, {metric, device}) -> Promise<Float32Array [rows, rows]>
Napi::Value PairwiseJs(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  auto data = std::make_shared<Matrix>(ReadMatrix(info[0], info[1], info[2], "data"));
  Napi::Object o = OptionsArg(info, 3);
  const Metric metric = MetricOption(o);
  const int64_t block = IntOption(o, "blockBytes", 256LL << 20);
  auto *worker = new TensorWorker(
      env, "pairwiseDistances", {},
      [data, metric, block](const c10::Device &dev) {
        return PairwiseDistances(data->View(dev), at::Tensor(), metric, block);
      },
      [data](Napi::Env e, const at::Tensor &t) -> Napi::Value { return ToFloat32(e, t); },
      StringOption(o, "device", "cpu"), static_cast<int>(IntOption(o, "threads", 0)));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// clusterDistanceSums(data, rows, cols, labels: Int32Array, k, {metric})
//   -> Promise<Float64Array [rows, k]>
Napi::Value ClusterSumsJs(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  auto data = std::make_shared<Matrix>(ReadMatrix(info[0], info[1], info[2], "data"));
  auto labels = std::make_shared<IntVector>(ReadInts(info[3], data->rows, "labels"));
  if (!info[4].IsNumber()) throw Napi::TypeError::New(env, "k must be a number");
  const int64_t k = info[4].As<Napi::Number>().Int64Value();
  for (int64_t i = 0; i < labels->length; ++i) {
    if (labels->data[i] < 0 || labels->data[i] >= k) {
      throw Napi::RangeError::New(env, "labels[" + std::to_string(i) + "] is outside [0, k)");
    }
  }
  Napi::Object o = OptionsArg(info, 5);
  const Metric metric = MetricOption(o);
  const int64_t block = IntOption(o, "blockBytes", 256LL << 20);
  auto *worker = new TensorWorker(
      env, "clusterDistanceSums", {},
      [data, labels, k, metric, block](const c10::Device &dev) {
        return ClusterDistanceSums(data->View(dev), labels->View(), k, metric, block);
      },
      [data, labels](Napi::Env e, const at::Tensor &t) -> Napi::Value { return ToFloat64(e, t); },
      StringOption(o, "device", "cpu"), static_cast<int>(IntOption(o, "threads", 0)));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// neighborRanks(data, rows, cols, queryRows: Int32Array [m], neighbours: Int32Array [m * t], t,
//   {metric}) -> Promise<Int32Array [m * t]>
Napi::Value NeighborRanksJs(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  auto data = std::make_shared<Matrix>(ReadMatrix(info[0], info[1], info[2], "data"));
  auto rows = std::make_shared<IntVector>(ReadInts(info[3], -1, "queryRows"));
  if (!info[5].IsNumber()) throw Napi::TypeError::New(env, "t must be a number");
  const int64_t t = info[5].As<Napi::Number>().Int64Value();
  auto nb = std::make_shared<IntVector>(ReadInts(info[4], rows->length * t, "neighbours"));
  for (const IntVector *v : {rows.get(), nb.get()}) {
    for (int64_t i = 0; i < v->length; ++i) {
      if (v->data[i] < 0 || v->data[i] >= data->rows) {
        throw Napi::RangeError::New(env, "row index " + std::to_string(v->data[i]) +
                                             " is outside [0, rows)");
      }
    }
  }
  Napi::Object o = OptionsArg(info, 6);
  const Metric metric = MetricOption(o);
  const int64_t block = IntOption(o, "blockBytes", 256LL << 20);
  auto *worker = new TensorWorker(
      env, "neighborRanks", {},
      [data, rows, nb, t, metric, block](const c10::Device &dev) {
        return NeighborRanks(data->View(dev), rows->View(), nb->View().view({rows->length, t}),
                             metric, block);
      },
      [data, rows, nb](Napi::Env e, const at::Tensor &r) -> Napi::Value { return ToInt32(e, r); },
      StringOption(o, "device", "cpu"), static_cast<int>(IntOption(o, "threads", 0)));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// optimizeLayout(headEmbedding: Float32Array, tailEmbedding: Float32Array | null,
//   head: Int32Array, tail: Int32Array, epochsPerSample, nextSample, nextNegative: Float64Array,
//   {dim, nVertices, a, b, nEpochs, from, to, seed, learningRate, repulsionStrength,
//    negativeSampleRate, threads}) -> Promise<undefined>
// Runs UMAP layout epochs [from, to) in place (see layout.h). With tailEmbedding null the fit
// moves both ends of each edge in headEmbedding. The arrays must not be touched until the
// promise settles.
Napi::Value OptimizeLayoutJs(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 7);
  LayoutParams p;
  p.dim = IntOption(o, "dim", 2);
  p.a = NumberOption(o, "a", 0);
  p.b = NumberOption(o, "b", 0);
  p.nEpochs = IntOption(o, "nEpochs", 0);
  p.learningRate = NumberOption(o, "learningRate", 1.0);
  p.repulsionStrength = NumberOption(o, "repulsionStrength", 1.0);
  p.negativeSampleRate = NumberOption(o, "negativeSampleRate", 5.0);
  p.seed = static_cast<uint64_t>(IntOption(o, "seed", 0));
  const int64_t threads = IntOption(o, "threads", 1);
  if (threads < 0 || threads > 1024) {
    throw Napi::RangeError::New(env, "optimizeLayout: threads must be in [0, 1024] (0 = all cores)");
  }
  p.threads = static_cast<int>(threads);
  const int64_t from = IntOption(o, "from", 0);
  const int64_t to = IntOption(o, "to", p.nEpochs);
  if (p.dim < 1 || p.nEpochs < 1 || from < 0 || to < from || to > p.nEpochs ||
      !(p.a > 0) || !(p.b > 0) || !(p.negativeSampleRate > 0)) {
    throw Napi::RangeError::New(env, "optimizeLayout: need dim >= 1, nEpochs >= 1, "
                                     "0 <= from <= to <= nEpochs, a > 0, b > 0, "
                                     "negativeSampleRate > 0");
  }
  auto headEmb = std::make_shared<Buffer<float>>(
      ReadBuffer<float>(info[0], napi_float32_array, -1, "headEmbedding", "a Float32Array"));
  const bool fit = info[1].IsNull() || info[1].IsUndefined();
  auto tailEmb = fit ? headEmb
                     : std::make_shared<Buffer<float>>(ReadBuffer<float>(
                           info[1], napi_float32_array, -1, "tailEmbedding", "a Float32Array"));
  if (headEmb->length % p.dim != 0 || tailEmb->length % p.dim != 0) {
    throw Napi::RangeError::New(env, "optimizeLayout: embedding lengths must be multiples of dim");
  }
  const int64_t headRows = headEmb->length / p.dim;
  p.nVertices = IntOption(o, "nVertices", tailEmb->length / p.dim);
  if (p.nVertices < 1 || p.nVertices > tailEmb->length / p.dim) {
    throw Napi::RangeError::New(env, "optimizeLayout: nVertices must be in [1, tail rows]");
  }
  auto head = std::make_shared<IntVector>(ReadInts(info[2], -1, "head"));
  const int64_t edges = head->length;
  auto tail = std::make_shared<IntVector>(ReadInts(info[3], edges, "tail"));
  auto doubles = [edges](const Napi::Value &value, const char *what) {
    return std::make_shared<Buffer<double>>(
        ReadBuffer<double>(value, napi_float64_array, edges, what, "a Float64Array"));
  };
  auto eps = doubles(info[4], "epochsPerSample");
  auto nextSample = doubles(info[5], "nextSample");
  auto nextNegative = doubles(info[6], "nextNegative");
  const int64_t tailRows = tailEmb->length / p.dim;
  for (int64_t i = 0; i < edges; ++i) {
    if (head->data[i] < 0 || head->data[i] >= headRows || tail->data[i] < 0 ||
        tail->data[i] >= tailRows) {
      throw Napi::RangeError::New(env, "optimizeLayout: edge " + std::to_string(i) +
                                           " points outside the embedding");
    }
    if (!(eps->data[i] > 0)) {
      throw Napi::RangeError::New(env, "optimizeLayout: epochsPerSample[" + std::to_string(i) +
                                           "] must be > 0");
    }
  }
  LayoutBuffers b;
  b.headEmbedding = headEmb->data;
  b.tailEmbedding = tailEmb->data;
  b.head = head->data;
  b.tail = tail->data;
  b.epochsPerSample = eps->data;
  b.nextSample = nextSample->data;
  b.nextNegative = nextNegative->data;
  b.edges = edges;
  auto *worker = new TensorWorker(
      env, "optimizeLayout", {},
      [b, p, from, to, keep = std::make_tuple(headEmb, tailEmb, head, tail, eps, nextSample,
                                              nextNegative)](const c10::Device &) {
        OptimizeLayout(b, p, from, to);
        return at::Tensor();
      },
      [](Napi::Env e, const at::Tensor &) -> Napi::Value { return e.Undefined(); }, "cpu", 1);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("knn", Napi::Function::New(env, KnnJs, "knn"));
  exports.Set("kmeans", Napi::Function::New(env, KmeansJs, "kmeans"));
  exports.Set("miniBatchKmeans", Napi::Function::New(env, MiniBatchKmeansJs, "miniBatchKmeans"));
  exports.Set("pairwiseDistances", Napi::Function::New(env, PairwiseJs, "pairwiseDistances"));
  exports.Set("clusterDistanceSums",
              Napi::Function::New(env, ClusterSumsJs, "clusterDistanceSums"));
  exports.Set("neighborRanks", Napi::Function::New(env, NeighborRanksJs, "neighborRanks"));
  exports.Set("optimizeLayout", Napi::Function::New(env, OptimizeLayoutJs, "optimizeLayout"));
}

}  // namespace
}  // namespace audiomap::compute

AUDIOMAP_REGISTER_MODULE(compute, audiomap::compute::Init);
