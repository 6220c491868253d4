#include "tensor_box.h"

namespace facet {

static std::atomic<int64_t> g_live{0};
static const napi_type_tag kTensorTag = {0x6661636574746f72ULL, 0x636874656e736f72ULL};

static void releaseBox(TensorBox* box) {
  if (box->live) {
    box->live = false;
    box->tensor = at::Tensor();
    g_live.fetch_sub(1);
  }
}

Napi::Value wrapTensor(Napi::Env env, at::Tensor tensor) {
  auto* box = new TensorBox{std::move(tensor), true};
  g_live.fetch_add(1);
  auto ext = Napi::External<TensorBox>::New(env, box, [](Napi::Env, TensorBox* b) {
    releaseBox(b);
    delete b;
  });
  napi_type_tag_object(env, ext, &kTensorTag);
  return ext;
}

bool isTensorHandle(Napi::Env env, const Napi::Value& value) {
  if (!value.IsExternal()) return false;
  bool tagged = false;
  napi_check_object_type_tag(env, value, &kTensorTag, &tagged);
  return tagged;
}

at::Tensor& unwrapTensor(Napi::Env env, const Napi::Value& value, const char* op, const char* arg) {
  if (!isTensorHandle(env, value)) {
    throw Napi::TypeError::New(env, std::string(op) + ": argument '" + arg + "' must be a Tensor");
  }
  auto* box = value.As<Napi::External<TensorBox>>().Data();
  if (!box->live) {
    throw Napi::Error::New(env, std::string(op) + ": argument '" + arg + "' is a disposed Tensor");
  }
  return box->tensor;
}

void disposeHandle(Napi::Env env, const Napi::Value& value) {
  if (!isTensorHandle(env, value)) throw Napi::TypeError::New(env, "dispose: not a Tensor handle");
  releaseBox(value.As<Napi::External<TensorBox>>().Data());
}

int64_t liveTensorCount() { return g_live.load(); }

}  // namespace facet
