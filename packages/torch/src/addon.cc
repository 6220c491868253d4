#include "args.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  facet::registerSpecial(env, exports);
  facet::registerGenerated(env, exports);
  facet::registerDistributed(env, exports);
  return exports;
}

NODE_API_MODULE(facet_torch, Init)
