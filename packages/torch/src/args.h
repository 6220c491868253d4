// Conversions between JS values and ATen argument types: the closed set of argument
// types the op table (codegen/ops.table.mjs) may use. Wrong JS values throw TypeError
// naming the op and the argument; libtorch's own errors go through guard().
#pragma once
#include "tensor_box.h"
#include <c10/util/Exception.h>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace facet {

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* op) : info_(info), env_(info.Env()), op_(op) {}
  Napi::Env env() const { return env_; }

  at::Tensor& tensor(size_t i, const char* name) { return unwrapTensor(env_, info_[i], op_, name); }
  c10::optional<at::Tensor> optTensor(size_t i, const char* name) {
    if (absent(i)) return c10::nullopt;
    return tensor(i, name);
  }
  std::vector<at::Tensor> tensorList(size_t i, const char* name) {
    if (!info_[i].IsArray()) fail(name, "an array of Tensors");
    auto arr = info_[i].As<Napi::Array>();
    std::vector<at::Tensor> out;
    out.reserve(arr.Length());
    for (uint32_t k = 0; k < arr.Length(); k++) out.push_back(unwrapTensor(env_, arr.Get(k), op_, name));
    return out;
  }
  int64_t integer(size_t i, const char* name) {
    if (!info_[i].IsNumber()) fail(name, "an integer");
    double v = info_[i].As<Napi::Number>().DoubleValue();
    if (!isInt64(v)) fail(name, "an integer (|n| < 2^63)");
    return static_cast<int64_t>(v);
  }
  c10::optional<int64_t> optInteger(size_t i, const char* name) {
    if (absent(i)) return c10::nullopt;
    return integer(i, name);
  }
  std::vector<int64_t> intList(size_t i, const char* name) {
    if (info_[i].IsNumber()) return {integer(i, name)};
    if (!info_[i].IsArray()) fail(name, "an array of integers");
    auto arr = info_[i].As<Napi::Array>();
    std::vector<int64_t> out;
    for (uint32_t k = 0; k < arr.Length(); k++) {
      Napi::Value v = arr.Get(k);
      if (!v.IsNumber()) fail(name, "an array of integers");
      double d = v.As<Napi::Number>().DoubleValue();
      if (!isInt64(d)) fail(name, "an array of integers (|n| < 2^63)");
      out.push_back(static_cast<int64_t>(d));
    }
    return out;
  }
  c10::optional<std::vector<int64_t>> optIntList(size_t i, const char* name) {
    if (absent(i)) return c10::nullopt;
    return intList(i, name);
  }
  double real(size_t i, const char* name) {
    if (!info_[i].IsNumber()) fail(name, "a number");
    return info_[i].As<Napi::Number>().DoubleValue();
  }
  c10::optional<double> optReal(size_t i, const char* name) {
    if (absent(i)) return c10::nullopt;
    return real(i, name);
  }
  bool boolean(size_t i, const char* name) {
    if (!info_[i].IsBoolean()) fail(name, "a boolean");
    return info_[i].As<Napi::Boolean>().Value();
  }
  at::Scalar scalar(size_t i, const char* name) {
    if (info_[i].IsBoolean()) return at::Scalar(info_[i].As<Napi::Boolean>().Value());
    double v = real(i, name);
    // Integral JS numbers stay integral so that int tensors are not promoted to float.
    if (v == static_cast<double>(static_cast<int64_t>(v)) && std::abs(v) < 9007199254740992.0) {
      return at::Scalar(static_cast<int64_t>(v));
    }
    return at::Scalar(v);
  }
  c10::optional<at::Scalar> optScalar(size_t i, const char* name) {
    if (absent(i)) return c10::nullopt;
    return scalar(i, name);
  }
  // A JS number becomes a "wrapped number" tensor, which takes part in type promotion
  // the way a Python scalar does in PyTorch.
  at::Tensor tensorOrScalar(size_t i, const char* name) {
    if (isTensorHandle(env_, info_[i])) return tensor(i, name);
    if (!info_[i].IsNumber() && !info_[i].IsBoolean()) fail(name, "a Tensor or a number");
    at::Tensor t = c10::scalar_to_tensor(scalar(i, name));
    t.unsafeGetTensorImpl()->set_wrapped_number(true);
    return t;
  }
  std::string str(size_t i, const char* name) {
    if (!info_[i].IsString()) fail(name, "a string");
    return info_[i].As<Napi::String>().Utf8Value();
  }
  at::ScalarType dtype(size_t i, const char* name);
  c10::optional<at::ScalarType> optDtype(size_t i, const char* name) {
    if (absent(i)) return c10::nullopt;
    return dtype(i, name);
  }
  at::MemoryFormat memoryFormat(size_t i, const char* name);
  at::Device device(size_t i, const char* name);

  template <typename F>
  auto guardValue(F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const c10::Error& e) {
      throw Napi::Error::New(env_, std::string(op_) + ": " + e.what_without_backtrace());
    }
  }

  [[noreturn]] void fail(const char* name, const char* expected) {
    throw Napi::TypeError::New(env_, std::string(op_) + ": argument '" + name + "' must be " + expected);
  }

 private:
  // Casting a double outside int64's range (or NaN) to int64 is undefined behaviour,
  // so the range is checked before the cast.
  static bool isInt64(double v) {
    return v >= -9223372036854775808.0 && v < 9223372036854775808.0 && v == std::trunc(v);
  }
  bool absent(size_t i) const { return i >= info_.Length() || info_[i].IsNull() || info_[i].IsUndefined(); }
  const Napi::CallbackInfo& info_;
  Napi::Env env_;
  const char* op_;
};

at::ScalarType parseDtype(Napi::Env env, const std::string& s, const char* op);
const char* dtypeName(at::ScalarType t);

// Runs body; a c10 or std exception becomes a JS Error carrying libtorch's message.
// node-addon-api only turns Napi::Error into a JS exception: anything else escaping a
// callback reaches std::terminate (SIGABRT), so nothing may leave without this guard.
template <typename F>
Napi::Value guard(Napi::Env env, const char* op, F&& body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, std::string(op) + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string(op) + ": " + e.what());
  } catch (...) {
    throw Napi::Error::New(env, std::string(op) + ": unknown native exception");
  }
}

// Exports fn under name with the whole call, argument parsing included, inside guard():
// the one way every entry point of the addon, generated or hand-written, is registered.
inline void exportGuarded(Napi::Env env, Napi::Object exports, const char* name, Napi::Function::Callback fn) {
  exports.Set(name, Napi::Function::New(
                        env, [name, fn](const Napi::CallbackInfo& info) -> Napi::Value {
                          return guard(info.Env(), name, [&] { return fn(info); });
                        },
                        name));
}

inline Napi::Value wrapList(Napi::Env env, const std::vector<at::Tensor>& ts) {
  auto arr = Napi::Array::New(env, ts.size());
  for (size_t k = 0; k < ts.size(); k++) arr.Set(static_cast<uint32_t>(k), wrapTensor(env, ts[k]));
  return arr;
}

void registerSpecial(Napi::Env env, Napi::Object exports);
void registerGenerated(Napi::Env env, Napi::Object exports);
void registerDistributed(Napi::Env env, Napi::Object exports);

}  // namespace facet
