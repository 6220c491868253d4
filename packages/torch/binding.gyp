{
  "targets": [{
    "target_name": "facet_torch",
    "sources": ["src/addon.cc", "src/tensor_box.cc", "src/special.cc", "src/ops.generated.cc", "src/distributed.cc"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<!@(node scripts/find-libtorch.mjs --include)"],
    "libraries": ["<!@(node scripts/find-libtorch.mjs --libs)"],
    "defines": ["<!@(node scripts/find-libtorch.mjs --dist-defines)", "NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "_GLIBCXX_USE_CXX11_ABI=<!(node scripts/find-libtorch.mjs --abi)"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
    "cflags_cc": ["-std=c++17", "-O2", "-fexceptions", "-frtti", "-Wno-unused-parameter", "-Wno-deprecated-declarations"]
  }]
}
