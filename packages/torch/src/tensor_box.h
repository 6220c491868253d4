// A JS tensor handle is an N-API External holding one at::Tensor. dispose() empties
// it at once; the finalizer frees whatever the JS side forgot. A type tag stops any
// other object from being taken for a tensor.
#pragma once
#include <napi.h>
#include <ATen/ATen.h>
#include <atomic>

namespace facet {

struct TensorBox {
  at::Tensor tensor;
  bool live = true;
};

Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor);
bool isTensorHandle(Napi::Env env, const Napi::Value& value);
// Throws a TypeError naming the op and argument when value is not a live tensor.
at::Tensor& unwrapTensor(Napi::Env env, const Napi::Value& value, const char* op, const char* arg);
void disposeHandle(Napi::Env env, const Napi::Value& value);
int64_t liveTensorCount();

}  // namespace facet
