// The hand-written part of the binding: what is not a plain op call (buffers, autograd
// state, global settings). Every entry stays a thin, mechanical pass-through.
#include "args.h"
#include <ATen/autocast_mode.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <torch/version.h>
#include <c10/core/GradMode.h>
#include <cstdint>
#include <torch/csrc/lazy/ts_backend/ts_backend_impl.h>
#include <cstring>

namespace facet {

static const std::pair<const char*, at::ScalarType> kDtypes[] = {
    {"float32", at::kFloat}, {"float64", at::kDouble}, {"bfloat16", at::kBFloat16}, {"float16", at::kHalf},
    {"int64", at::kLong},    {"int32", at::kInt},      {"uint8", at::kByte},        {"bool", at::kBool},
};

at::ScalarType parseDtype(Napi::Env env, const std::string& s, const char* op) {
  for (auto& [name, type] : kDtypes)
    if (s == name) return type;
  throw Napi::TypeError::New(env, std::string(op) + ": unknown dtype '" + s +
                                      "' (float32, float64, bfloat16, float16, int64, int32, uint8, bool)");
}

const char* dtypeName(at::ScalarType t) {
  for (auto& [name, type] : kDtypes)
    if (t == type) return name;
  return c10::toString(t);
}

at::ScalarType Args::dtype(size_t i, const char* name) { return parseDtype(env_, str(i, name), op_); }

at::MemoryFormat Args::memoryFormat(size_t i, const char* name) {
  std::string s = str(i, name);
  if (s == "contiguous") return at::MemoryFormat::Contiguous;
  if (s == "channels_last") return at::MemoryFormat::ChannelsLast;
  if (s == "preserve") return at::MemoryFormat::Preserve;
  fail(name, "'contiguous', 'channels_last' or 'preserve'");
}

at::Device Args::device(size_t i, const char* name) {
  std::string s = str(i, name);
  at::Device d = guardValue([&] { return at::Device(s); });
  if (d.is_cuda() && !at::hasCUDA()) {
    throw Napi::Error::New(env_, std::string(op_) + ": device '" + s +
                                     "' asked for, but this libtorch has no CUDA (point LIBTORCH at a CUDA build)");
  }
  return d;
}



// fromBuffer(bytes: Uint8Array, shape: number[], dtype): copies the bytes into a new tensor.
static Napi::Value fromBuffer(const Napi::CallbackInfo& info) {
  Args a(info, "fromBuffer");
  if (!info[0].IsTypedArray()) a.fail("data", "a TypedArray");
  auto arr = info[0].As<Napi::TypedArray>();
  auto shape = a.intList(1, "shape");
  auto type = a.dtype(2, "dtype");
  int64_t numel = 1;
  for (auto d : shape) {
    if (d < 0) a.fail("shape", "non-negative sizes");
    if (d != 0 && numel > INT64_MAX / d) a.fail("shape", "sizes whose product fits in int64");
    numel *= d;
  }
  size_t bytes = arr.ByteLength();
  if (static_cast<size_t>(numel) * c10::elementSize(type) != bytes) {
    throw Napi::Error::New(info.Env(), "fromBuffer: " + std::to_string(bytes) + " bytes do not hold a " + dtypeName(type) +
                                           " tensor of " + std::to_string(numel) + " elements");
  }
  return guard(info.Env(), "fromBuffer", [&] {
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(type));
    auto* base = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
    if (bytes) std::memcpy(t.data_ptr(), base, bytes);
    return wrapTensor(info.Env(), t);
  });
}

// toBuffer(t): a copy of the data, row-major, as an ArrayBuffer (moved to the CPU first).
static Napi::Value toBuffer(const Napi::CallbackInfo& info) {
  Args a(info, "toBuffer");
  at::Tensor& t = a.tensor(0, "self");
  return guard(info.Env(), "toBuffer", [&] {
    at::Tensor c = t.detach().to(at::kCPU).contiguous();
    size_t bytes = c.numel() * c.element_size();
    auto buf = Napi::ArrayBuffer::New(info.Env(), bytes);
    if (bytes) std::memcpy(buf.Data(), c.data_ptr(), bytes);
    return buf;
  });
}

static Napi::Value shape(const Napi::CallbackInfo& info) {
  at::Tensor& t = Args(info, "shape").tensor(0, "self");
  auto arr = Napi::Array::New(info.Env(), t.dim());
  for (int64_t k = 0; k < t.dim(); k++) arr.Set(static_cast<uint32_t>(k), Napi::Number::New(info.Env(), t.size(k)));
  return arr;
}

static Napi::Value dtype(const Napi::CallbackInfo& info) {
  at::Tensor& t = Args(info, "dtype").tensor(0, "self");
  return Napi::String::New(info.Env(), dtypeName(t.scalar_type()));
}

static Napi::Value device(const Napi::CallbackInfo& info) {
  at::Tensor& t = Args(info, "device").tensor(0, "self");
  return Napi::String::New(info.Env(), t.device().str());
}

static Napi::Value item(const Napi::CallbackInfo& info) {
  at::Tensor& t = Args(info, "item").tensor(0, "self");
  return guard(info.Env(), "item", [&]() -> Napi::Value {
    if (t.scalar_type() == at::kBool) return Napi::Boolean::New(info.Env(), t.item<bool>());
    return Napi::Number::New(info.Env(), t.item<double>());
  });
}

static Napi::Value isContiguous(const Napi::CallbackInfo& info) {
  Args a(info, "isContiguous");
  at::Tensor& t = a.tensor(0, "self");
  auto fmt = info.Length() > 1 ? a.memoryFormat(1, "memoryFormat") : at::MemoryFormat::Contiguous;
  return Napi::Boolean::New(info.Env(), t.is_contiguous(fmt));
}

static Napi::Value to(const Napi::CallbackInfo& info) {
  Args a(info, "to");
  at::Tensor& t = a.tensor(0, "self");
  at::Device dev = a.device(1, "device");
  return guard(info.Env(), "to", [&] { return wrapTensor(info.Env(), t.to(dev)); });
}

// ---- autograd ----
static Napi::Value requiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Args(info, "requiresGrad").tensor(0, "self").requires_grad());
}
static Napi::Value setRequiresGrad(const Napi::CallbackInfo& info) {
  Args a(info, "setRequiresGrad");
  at::Tensor& t = a.tensor(0, "self");
  bool flag = a.boolean(1, "requiresGrad");
  return guard(info.Env(), "setRequiresGrad", [&]() -> Napi::Value {
    t.set_requires_grad(flag);
    return info.Env().Undefined();
  });
}
// setData(t, src): t's storage, dtype and device become src's; the handle stays the
// same, so modules keep their fields (PyTorch's `param.data = …`).
static Napi::Value setData(const Napi::CallbackInfo& info) {
  Args a(info, "setData");
  at::Tensor& t = a.tensor(0, "self");
  at::Tensor& src = a.tensor(1, "src");
  return guard(info.Env(), "setData", [&]() -> Napi::Value {
    t.set_data(src);
    return info.Env().Undefined();
  });
}
static Napi::Value isLeaf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Args(info, "isLeaf").tensor(0, "self").is_leaf());
}
static Napi::Value backward(const Napi::CallbackInfo& info) {
  Args a(info, "backward");
  at::Tensor& t = a.tensor(0, "self");
  auto grad = a.optTensor(1, "gradient");
  bool retain = info.Length() > 2 && !info[2].IsUndefined() ? a.boolean(2, "retainGraph") : false;
  return guard(info.Env(), "backward", [&]() -> Napi::Value {
    t.backward(grad.value_or(at::Tensor()), retain);
    return info.Env().Undefined();
  });
}
static Napi::Value grad(const Napi::CallbackInfo& info) {
  at::Tensor& t = Args(info, "grad").tensor(0, "self");
  const at::Tensor& g = t.grad();
  if (!g.defined()) return info.Env().Null();
  return wrapTensor(info.Env(), g);
}
static Napi::Value setGrad(const Napi::CallbackInfo& info) {
  Args a(info, "setGrad");
  at::Tensor& t = a.tensor(0, "self");
  auto g = a.optTensor(1, "grad");
  return guard(info.Env(), "setGrad", [&]() -> Napi::Value {
    t.mutable_grad() = g.value_or(at::Tensor());
    return info.Env().Undefined();
  });
}
static Napi::Value setGradEnabled(const Napi::CallbackInfo& info) {
  bool prev = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(Args(info, "setGradEnabled").boolean(0, "enabled"));
  return Napi::Boolean::New(info.Env(), prev);
}
static Napi::Value isGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
}

// ---- global settings ----
static Napi::Value manualSeed(const Napi::CallbackInfo& info) {
  at::manual_seed(static_cast<uint64_t>(Args(info, "manualSeed").integer(0, "seed")));
  return info.Env().Undefined();
}
static Napi::Value setNumThreads(const Napi::CallbackInfo& info) {
  Args a(info, "setNumThreads");
  int64_t n = a.integer(0, "threads");
  // The cast to int below must not wrap (2^32 + 2 would become 2); the JS layer
  // (lib/threads.ts) applies the real, much smaller cap.
  if (n < 1 || n > INT32_MAX) a.fail("threads", "a positive integer below 2^31");
  at::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}
static Napi::Value getNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}
static Napi::Value setDeterministic(const Napi::CallbackInfo& info) {
  bool on = Args(info, "setDeterministic").boolean(0, "enabled");
  at::globalContext().setDeterministicAlgorithms(on, false);
  at::globalContext().setBenchmarkCuDNN(!on && at::globalContext().benchmarkCuDNN());
  at::globalContext().setDeterministicCuDNN(on);
  return info.Env().Undefined();
}
// cuDNN autotuning (PyTorch's torch.backends.cudnn.benchmark); only CUDA reads it.
static Napi::Value setCudnnBenchmark(const Napi::CallbackInfo& info) {
  bool on = Args(info, "setCudnnBenchmark").boolean(0, "enabled");
  at::globalContext().setBenchmarkCuDNN(on);
  return info.Env().Undefined();
}
// Registers libtorch's TorchScript lazy backend: a 'lazy' device that computes on the
// CPU but is not the CPU, so tests catch a tensor left on the CPU (spec: --device).
static Napi::Value useLazyDevice(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "useLazyDevice", [&]() -> Napi::Value {
    static bool done = false;
    if (!done) torch::lazy::InitTorchScriptBackend();
    done = true;
    return info.Env().Undefined();
  });
}
static Napi::Value isDeterministic(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::globalContext().deterministicAlgorithms());
}
// setAutocastCpu(enabled, dtype) -> previous enabled flag. Nesting is kept in JS.
static Napi::Value setAutocastCpu(const Napi::CallbackInfo& info) {
  Args a(info, "setAutocastCpu");
  bool enabled = a.boolean(0, "enabled");
  bool prev = at::autocast::is_cpu_enabled();
  if (info.Length() > 1 && !info[1].IsUndefined()) {
    at::ScalarType type = a.dtype(1, "dtype");
    // libtorch 1.13's CPU autocast knows only bfloat16 (it throws for anything else).
    if (type != at::kBFloat16) {
      throw Napi::Error::New(info.Env(), std::string("setAutocastCpu: autocast on the CPU runs in bfloat16 only, not ") +
                                             dtypeName(type));
    }
    at::autocast::set_autocast_cpu_dtype(type);
  }
  at::autocast::set_cpu_enabled(enabled);
  if (!enabled) at::autocast::clear_cache();
  return Napi::Boolean::New(info.Env(), prev);
}
static Napi::Value cudaAvailable(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::hasCUDA());
}
static Napi::Value dispose(const Napi::CallbackInfo& info) {
  disposeHandle(info.Env(), info[0]);
  return info.Env().Undefined();
}
static Napi::Value liveTensors(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(liveTensorCount()));
}
static Napi::Value isTensor(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), isTensorHandle(info.Env(), info[0]));
}
static Napi::Value configInfo(const Napi::CallbackInfo& info) {
  auto o = Napi::Object::New(info.Env());
  o.Set("version", TORCH_VERSION);
  o.Set("cuda", at::hasCUDA());
  o.Set("mkldnn", at::hasMKLDNN());
  o.Set("openmp", at::hasOpenMP());
  o.Set("parallel", at::get_parallel_info());
  return o;
}

void registerSpecial(Napi::Env env, Napi::Object exports) {
  const std::pair<const char*, Napi::Function::Callback> fns[] = {
      {"fromBuffer", fromBuffer},       {"toBuffer", toBuffer},
      {"shape", shape},                 {"dtype", dtype},
      {"device", device},               {"item", item},
      {"isContiguous", isContiguous},   {"to", to},
      {"requiresGrad", requiresGrad},   {"setRequiresGrad", setRequiresGrad},
      {"isLeaf", isLeaf},               {"setData", setData},               {"backward", backward},
      {"grad", grad},                   {"setGrad", setGrad},
      {"setGradEnabled", setGradEnabled}, {"isGradEnabled", isGradEnabled},
      {"manualSeed", manualSeed},       {"setNumThreads", setNumThreads},
      {"getNumThreads", getNumThreads}, {"setDeterministic", setDeterministic},
      {"isDeterministic", isDeterministic}, {"setAutocastCpu", setAutocastCpu},
      {"cudaAvailable", cudaAvailable}, {"dispose", dispose},
      {"liveTensors", liveTensors},     {"isTensor", isTensor},
      {"configInfo", configInfo},
      {"setCudnnBenchmark", setCudnnBenchmark}, {"useLazyDevice", useLazyDevice},
  };
  for (auto& [name, fn] : fns) exportGuarded(env, exports, name, fn);
}

}  // namespace facet
