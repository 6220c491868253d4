// torch.distributed's engine, c10d, bound by hand: a store (TCPStore, FileStore), a
// process group (Gloo; NCCL when libtorch has CUDA), the collectives a trainer needs
// (all-reduce, broadcast, barrier) as async work handles, and a gradient reducer that
// starts each bucket's all-reduce from inside backward, as DDP's Reducer does.
//
// Nothing here blocks the JS thread for long: making a store or a group (rendezvous)
// and waiting on a work handle run on libuv's thread pool and settle a Promise. Every
// c10d wait is bounded by the group's timeout, so a peer that never comes or dies
// rejects that Promise with c10d's message instead of hanging.
//
// Compiled in only where the gloo headers are found (scripts/find-libtorch.mjs defines
// FACET_WITH_GLOO); elsewhere every entry throws, saying how to get them.
#include "args.h"

#ifdef FACET_WITH_GLOO
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef FACET_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#endif

namespace facet {

#ifdef FACET_WITH_GLOO

// ---- handles: type-tagged Externals, like tensors -------------------------------------

static const napi_type_tag kStoreTag = {0x6661636574646973ULL, 0x7473746f72650001ULL};
static const napi_type_tag kGroupTag = {0x6661636574646973ULL, 0x7467726f75700002ULL};
static const napi_type_tag kWorkTag = {0x6661636574646973ULL, 0x74776f726b000003ULL};
static const napi_type_tag kReducerTag = {0x6661636574646973ULL, 0x7472656475630004ULL};

template <typename T>
static Napi::Value wrapBox(Napi::Env env, T* box, const napi_type_tag& tag) {
  auto ext = Napi::External<T>::New(env, box, [](Napi::Env, T* b) { delete b; });
  napi_type_tag_object(env, ext, &tag);
  return ext;
}

template <typename T>
static T* unwrapBox(const Napi::CallbackInfo& info, size_t i, const napi_type_tag& tag, const char* op, const char* what) {
  Napi::Value v = info[i];
  bool tagged = false;
  if (v.IsExternal()) napi_check_object_type_tag(info.Env(), v, &tag, &tagged);
  if (!tagged) throw Napi::TypeError::New(info.Env(), std::string(op) + ": argument " + std::to_string(i) + " must be a " + what);
  return v.As<Napi::External<T>>().Data();
}

struct StoreBox {
  c10::intrusive_ptr<c10d::Store> store;
};

struct GroupBox {
  c10::intrusive_ptr<c10d::ProcessGroup> group;  // null once destroyed
  std::chrono::milliseconds timeout;
  std::string backend;
};

static c10d::ProcessGroup& liveGroup(const Napi::CallbackInfo& info, size_t i, const char* op) {
  auto* box = unwrapBox<GroupBox>(info, i, kGroupTag, op, "ProcessGroup");
  if (!box->group) throw Napi::Error::New(info.Env(), std::string(op) + ": the process group was destroyed");
  return *box->group;
}

// Collectives take one list of same-shaped tensors in c10d (one per device); a list of
// different tensors is therefore packed, per dtype, into one flat buffer, which the
// work reduces and which wait() unpacks back into the tensors.
struct Packed {
  at::Tensor flat;
  std::vector<at::Tensor> targets;
};

struct WorkBox {
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  std::vector<Packed> packs;
  double divisor = 0;  // avg: divide by the world size after the sum
  bool done = false;
  std::string op;
  std::mutex mu;

  // Runs on a pool thread (or the JS thread for waitSync): waits, then unpacks once.
  void finish() {
    std::lock_guard<std::mutex> lock(mu);
    if (done) return;
    // writing back into parameters (broadcast of weights) is not something to record
    at::NoGradGuard noGrad;
    for (auto& w : works) w->wait();
    for (auto& p : packs) {
      if (divisor != 0) p.flat.div_(divisor);
      int64_t offset = 0;
      for (auto& t : p.targets) {
        int64_t n = t.numel();
        t.copy_(p.flat.narrow(0, offset, n).view(t.sizes()));
        offset += n;
      }
    }
    done = true;
    works.clear();
    packs.clear();
  }
};

static std::vector<Packed> pack(const std::vector<at::Tensor>& tensors) {
  std::vector<Packed> packs;
  for (auto& t : tensors) {
    Packed* p = nullptr;
    for (auto& q : packs)
      if (q.targets.front().scalar_type() == t.scalar_type() && q.targets.front().device() == t.device()) p = &q;
    if (!p) p = &packs.emplace_back();
    p->targets.push_back(t);
  }
  for (auto& p : packs) {
    std::vector<at::Tensor> flat;
    for (auto& t : p.targets) flat.push_back(t.detach().reshape(-1));
    p.flat = at::cat(flat);
  }
  return packs;
}

static void checkTensors(Napi::Env env, const char* op, const std::vector<at::Tensor>& ts) {
  if (ts.empty()) throw Napi::Error::New(env, std::string(op) + ": argument 'tensors' is an empty list");
  for (auto& t : ts)
    if (t.is_sparse()) throw Napi::Error::New(env, std::string(op) + ": sparse tensors are not supported");
}

// ---- AsyncWorkers: rendezvous and waits off the JS thread ------------------------------

class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, std::string op) : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), op_(std::move(op)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  template <typename F>
  void guarded(F&& f) {
    try {
      f();
    } catch (const c10::Error& e) {
      SetError(op_ + ": " + e.what_without_backtrace());
    } catch (const std::exception& e) {
      SetError(op_ + ": " + e.what());
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }
  Napi::Promise::Deferred deferred_;
  std::string op_;
};

struct StoreSpec {
  std::string kind, host, path;
  int port = 0, rank = 0, worldSize = 1;
  std::chrono::milliseconds timeout{0};
};

static c10::intrusive_ptr<c10d::Store> makeStore(const StoreSpec& s) {
  if (s.kind == "file") return c10::make_intrusive<c10d::FileStore>(s.path, s.worldSize);
  c10d::TCPStoreOptions o;
  o.port = static_cast<uint16_t>(s.port);
  o.isServer = s.rank == 0;
  o.numWorkers = static_cast<size_t>(s.worldSize);
  o.waitWorkers = true;
  o.timeout = s.timeout;
  return c10::make_intrusive<c10d::TCPStore>(s.host, o);
}

static c10::intrusive_ptr<c10d::ProcessGroup> makeGroup(const std::string& backend, const c10::intrusive_ptr<c10d::Store>& store,
                                                         int rank, int size, std::chrono::milliseconds timeout) {
#ifdef FACET_WITH_NCCL
  if (backend == "nccl") {
    auto o = c10d::ProcessGroupNCCL::Options::create();
    o->timeout = timeout;
    return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, o);
  }
#endif
  auto o = c10d::ProcessGroupGloo::Options::create(timeout);
  // As torch.distributed: GLOO_SOCKET_IFNAME picks the network interface, else the
  // address the host name resolves to (loopback when it resolves to none).
  const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
  if (ifname && *ifname) o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
  else o->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, o);
}

class StoreWorker : public PromiseWorker {
 public:
  StoreWorker(Napi::Env env, StoreSpec spec) : PromiseWorker(env, "createStore"), spec_(std::move(spec)) {}
  void Execute() override { guarded([&] { store_ = makeStore(spec_); store_->setTimeout(spec_.timeout); }); }
  void OnOK() override { deferred_.Resolve(wrapBox(Env(), new StoreBox{store_}, kStoreTag)); }

 private:
  StoreSpec spec_;
  c10::intrusive_ptr<c10d::Store> store_;
};

class GroupWorker : public PromiseWorker {
 public:
  GroupWorker(Napi::Env env, c10::intrusive_ptr<c10d::Store> store, std::string backend, int rank, int size, std::chrono::milliseconds timeout)
      : PromiseWorker(env, "newGroup"), store_(std::move(store)), backend_(std::move(backend)), rank_(rank), size_(size), timeout_(timeout) {}
  void Execute() override { guarded([&] { group_ = makeGroup(backend_, store_, rank_, size_, timeout_); }); }
  void OnOK() override { deferred_.Resolve(wrapBox(Env(), new GroupBox{group_, timeout_, backend_}, kGroupTag)); }

 private:
  c10::intrusive_ptr<c10d::Store> store_;
  std::string backend_;
  int rank_, size_;
  std::chrono::milliseconds timeout_;
  c10::intrusive_ptr<c10d::ProcessGroup> group_;
};

class WaitWorker : public PromiseWorker {
 public:
  WaitWorker(Napi::Env env, Napi::Object handle, WorkBox* box) : PromiseWorker(env, box->op), box_(box) {
    handle_ = Napi::Persistent(handle);  // keeps the box alive until settled
  }
  void Execute() override { guarded([&] { box_->finish(); }); }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }

 private:
  WorkBox* box_;
  Napi::ObjectReference handle_;
};

class StoreGetWorker : public PromiseWorker {
 public:
  StoreGetWorker(Napi::Env env, c10::intrusive_ptr<c10d::Store> store, std::string key)
      : PromiseWorker(env, "store.get"), store_(std::move(store)), key_(std::move(key)) {}
  void Execute() override { guarded([&] { value_ = store_->get(key_); }); }
  void OnOK() override { deferred_.Resolve(Napi::String::New(Env(), std::string(value_.begin(), value_.end()))); }

 private:
  c10::intrusive_ptr<c10d::Store> store_;
  std::string key_;
  std::vector<uint8_t> value_;
};

// ---- entries ------------------------------------------------------------------------------

static std::chrono::milliseconds timeoutArg(Args& a, size_t i) {
  int64_t ms = a.integer(i, "timeoutMs");
  if (ms <= 0) a.fail("timeoutMs", "a positive number of milliseconds");
  return std::chrono::milliseconds(ms);
}

// createStore({kind:'tcp', host, port, rank, worldSize, timeoutMs} | {kind:'file', path, worldSize, timeoutMs}) -> Promise<Store>
static Napi::Value createStore(const Napi::CallbackInfo& info) {
  Args a(info, "createStore");
  if (!info[0].IsObject()) a.fail("options", "an object");
  auto o = info[0].As<Napi::Object>();
  auto field = [&](const char* k) { return o.Get(k); };
  StoreSpec s;
  Napi::Value kind = field("kind");
  s.kind = kind.IsString() ? kind.As<Napi::String>().Utf8Value() : "";
  if (s.kind != "tcp" && s.kind != "file") a.fail("options.kind", "'tcp' or 'file'");
  auto intField = [&](const char* k, int lo, int hi) {
    Napi::Value v = field(k);
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1e300;
    if (d != static_cast<double>(static_cast<int64_t>(d)) || d < lo || d > hi) {
      throw Napi::TypeError::New(info.Env(), std::string("createStore: options.") + k + " must be an integer in [" + std::to_string(lo) + ", " +
                                                 std::to_string(hi) + "]");
    }
    return static_cast<int>(d);
  };
  s.worldSize = intField("worldSize", 1, 1 << 20);
  s.rank = intField("rank", 0, s.worldSize - 1);
  s.timeout = std::chrono::milliseconds(intField("timeoutMs", 1, 1 << 30));
  auto strField = [&](const char* k) {
    Napi::Value v = field(k);
    if (!v.IsString() || v.As<Napi::String>().Utf8Value().empty())
      throw Napi::TypeError::New(info.Env(), std::string("createStore: options.") + k + " must be a non-empty string");
    return v.As<Napi::String>().Utf8Value();
  };
  if (s.kind == "tcp") {
    s.host = strField("host");
    s.port = intField("port", 1, 65535);
  } else {
    s.path = strField("path");
  }
  auto* w = new StoreWorker(info.Env(), s);
  auto p = w->promise();
  w->Queue();
  return p;
}

static Napi::Value storeSet(const Napi::CallbackInfo& info) {
  Args a(info, "store.set");
  auto* box = unwrapBox<StoreBox>(info, 0, kStoreTag, "store.set", "Store");
  std::string key = a.str(1, "key"), value = a.str(2, "value");
  return guard(info.Env(), "store.set", [&]() -> Napi::Value {
    box->store->set(key, std::vector<uint8_t>(value.begin(), value.end()));
    return info.Env().Undefined();
  });
}

static Napi::Value storeAdd(const Napi::CallbackInfo& info) {
  Args a(info, "store.add");
  auto* box = unwrapBox<StoreBox>(info, 0, kStoreTag, "store.add", "Store");
  std::string key = a.str(1, "key");
  int64_t by = a.integer(2, "amount");
  return guard(info.Env(), "store.add", [&]() -> Napi::Value { return Napi::Number::New(info.Env(), static_cast<double>(box->store->add(key, by))); });
}

// store.get waits for the key (up to the store's timeout): a Promise.
static Napi::Value storeGet(const Napi::CallbackInfo& info) {
  Args a(info, "store.get");
  auto* box = unwrapBox<StoreBox>(info, 0, kStoreTag, "store.get", "Store");
  auto* w = new StoreGetWorker(info.Env(), box->store, a.str(1, "key"));
  auto p = w->promise();
  w->Queue();
  return p;
}

// newGroup(store, backend, rank, worldSize, timeoutMs) -> Promise<ProcessGroup>
static Napi::Value newGroup(const Napi::CallbackInfo& info) {
  Args a(info, "newGroup");
  auto* store = unwrapBox<StoreBox>(info, 0, kStoreTag, "newGroup", "Store");
  std::string backend = a.str(1, "backend");
#ifdef FACET_WITH_NCCL
  if (backend != "gloo" && backend != "nccl") a.fail("backend", "'gloo' or 'nccl'");
#else
  if (backend == "nccl") throw Napi::Error::New(info.Env(), "newGroup: backend 'nccl' needs a libtorch with CUDA (this addon was built without NCCL)");
  if (backend != "gloo") a.fail("backend", "'gloo' (or 'nccl' with a CUDA libtorch)");
#endif
  int64_t rank = a.integer(2, "rank"), size = a.integer(3, "worldSize");
  if (size < 1) a.fail("worldSize", "at least 1");
  if (rank < 0 || rank >= size) a.fail("rank", "in [0, worldSize)");
  auto* w = new GroupWorker(info.Env(), store->store, backend, static_cast<int>(rank), static_cast<int>(size), timeoutArg(a, 4));
  auto p = w->promise();
  w->Queue();
  return p;
}

static Napi::Value groupInfo(const Napi::CallbackInfo& info) {
  auto& g = liveGroup(info, 0, "groupInfo");
  auto* box = unwrapBox<GroupBox>(info, 0, kGroupTag, "groupInfo", "ProcessGroup");
  auto o = Napi::Object::New(info.Env());
  o.Set("rank", g.getRank());
  o.Set("worldSize", g.getSize());
  o.Set("backend", box->backend);
  o.Set("timeoutMs", static_cast<double>(box->timeout.count()));
  return o;
}

// destroyGroup(pg): drops the group (its threads end once pending work is done).
static Napi::Value destroyGroup(const Napi::CallbackInfo& info) {
  auto* box = unwrapBox<GroupBox>(info, 0, kGroupTag, "destroyGroup", "ProcessGroup");
  box->group.reset();
  return info.Env().Undefined();
}

static Napi::Value wrapWork(Napi::Env env, WorkBox* w) { return wrapBox(env, w, kWorkTag); }

// A collective on tensors packed by dtype (one flat buffer each): start(buffer) per pack,
// one Work for all; divisor > 0 divides the result (avg) once waited on.
template <typename Start>
static Napi::Value packedWork(Napi::Env env, const char* op, const std::vector<at::Tensor>& tensors, double divisor, Start&& start) {
  return guard(env, op, [&] {
    auto* w = new WorkBox();
    w->op = op;
    w->packs = pack(tensors);
    w->divisor = divisor;
    for (auto& p : w->packs) {
      std::vector<at::Tensor> one{p.flat};
      w->works.push_back(start(one));
    }
    return wrapWork(env, w);
  });
}

static c10d::ReduceOp parseReduceOp(Args& a, const std::string& s) {
  if (s == "sum" || s == "avg") return c10d::ReduceOp::SUM;
  if (s == "product") return c10d::ReduceOp::PRODUCT;
  if (s == "min") return c10d::ReduceOp::MIN;
  if (s == "max") return c10d::ReduceOp::MAX;
  a.fail("op", "'sum', 'avg', 'product', 'min' or 'max'");
}

// allReduce(pg, tensors, op) -> Work. In place on every tensor once waited on. Gloo has
// no AVG: avg is the sum divided by the world size (floating dtypes only).
static Napi::Value allReduce(const Napi::CallbackInfo& info) {
  Args a(info, "allReduce");
  auto& g = liveGroup(info, 0, "allReduce");
  auto tensors = a.tensorList(1, "tensors");
  std::string opName = a.str(2, "op");
  c10d::ReduceOp op = parseReduceOp(a, opName);
  checkTensors(info.Env(), "allReduce", tensors);
  if (opName == "avg")
    for (auto& t : tensors)
      if (!at::isFloatingType(t.scalar_type()))
        throw Napi::Error::New(info.Env(), std::string("allReduce: op 'avg' needs floating tensors, got ") + dtypeName(t.scalar_type()));
  c10d::AllreduceOptions o;
  o.reduceOp = op;
  return packedWork(info.Env(), "allReduce", tensors, opName == "avg" ? g.getSize() : 0,
                    [&](std::vector<at::Tensor>& one) { return g.allreduce(one, o); });
}

// broadcast(pg, tensors, root) -> Work: every rank ends with root's values.
static Napi::Value broadcast(const Napi::CallbackInfo& info) {
  Args a(info, "broadcast");
  auto& g = liveGroup(info, 0, "broadcast");
  auto tensors = a.tensorList(1, "tensors");
  int64_t root = a.integer(2, "root");
  if (root < 0 || root >= g.getSize()) a.fail("root", "a rank of the group");
  checkTensors(info.Env(), "broadcast", tensors);
  c10d::BroadcastOptions o;
  o.rootRank = root;
  return packedWork(info.Env(), "broadcast", tensors, 0,
                    [&](std::vector<at::Tensor>& one) { return g.broadcast(one, o); });
}

static Napi::Value barrier(const Napi::CallbackInfo& info) {
  auto& g = liveGroup(info, 0, "barrier");
  return guard(info.Env(), "barrier", [&] {
    auto* w = new WorkBox();
    w->op = "barrier";
    w->works.push_back(g.barrier());
    return wrapWork(info.Env(), w);
  });
}

// workWait(work) -> Promise<void>, settled from the thread pool.
static Napi::Value workWait(const Napi::CallbackInfo& info) {
  auto* box = unwrapBox<WorkBox>(info, 0, kWorkTag, "wait", "Work");
  auto* w = new WaitWorker(info.Env(), info[0].As<Napi::Object>(), box);
  auto p = w->promise();
  w->Queue();
  return p;
}

// workWaitSync(work): blocks the JS thread, at most the group's timeout.
static Napi::Value workWaitSync(const Napi::CallbackInfo& info) {
  auto* box = unwrapBox<WorkBox>(info, 0, kWorkTag, "waitSync", "Work");
  return guard(info.Env(), box->op.c_str(), [&] {
    box->finish();
    return info.Env().Undefined();
  });
}

static Napi::Value workIsCompleted(const Napi::CallbackInfo& info) {
  auto* box = unwrapBox<WorkBox>(info, 0, kWorkTag, "isCompleted", "Work");
  std::unique_lock<std::mutex> lock(box->mu, std::try_to_lock);
  if (!lock.owns_lock()) return Napi::Boolean::New(info.Env(), false);
  bool all = box->done;
  if (!all) {
    all = true;
    for (auto& w : box->works) all = all && w->isCompleted();
  }
  return Napi::Boolean::New(info.Env(), all);
}

// ---- the gradient reducer: DDP's bucketed all-reduce, started from inside backward ----------

struct Bucket {
  std::vector<size_t> params;  // indices into ReducerState::params
  at::Tensor flat;
  size_t ready = 0;
  c10::intrusive_ptr<c10d::Work> work;
};

struct ReducerState {
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  std::vector<at::Tensor> params;
  std::vector<size_t> bucketOf;
  std::vector<Bucket> buckets;
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators;  // a param's accumulator lives as long as this
  std::vector<bool> seen;
  bool armed = false;
  size_t startedInBackward = 0;  // buckets whose all-reduce a hook started (what overlaps)
  std::string error;  // a failure inside a hook, reported by finish()
  std::mutex mu;

  void launch(Bucket& b) {
    std::vector<at::Tensor> grads;
    for (size_t i : b.params) {
      at::Tensor g = params[i].grad();
      grads.push_back(g.defined() ? g.detach().reshape(-1) : at::zeros({params[i].numel()}, params[i].options()));
    }
    b.flat = at::cat(grads);
    std::vector<at::Tensor> one{b.flat};
    b.work = group->allreduce(one);
  }

  void markReady(size_t i) {
    std::lock_guard<std::mutex> lock(mu);
    if (!armed || seen[i]) return;
    seen[i] = true;
    Bucket& b = buckets[bucketOf[i]];
    if (++b.ready == b.params.size()) {
      try {
        launch(b);
        startedInBackward++;
      } catch (const c10::Error& e) {
        if (error.empty()) error = e.what_without_backtrace();
      } catch (const std::exception& e) {
        if (error.empty()) error = e.what();
      }
    }
  }

  // After backward: starts the buckets not started (parameters that got no gradient
  // count as zeros), waits for all, and writes the averages into the gradients.
  size_t finish() {
    std::lock_guard<std::mutex> lock(mu);
    if (!armed) throw std::runtime_error("finish() without prepare()");
    at::NoGradGuard noGrad;
    armed = false;
    if (!error.empty()) {
      std::string e = error;
      error.clear();
      throw std::runtime_error(e);
    }
    for (auto& b : buckets)
      if (!b.work) launch(b);
    for (auto& b : buckets) b.work->wait();
    double size = group->getSize();
    for (auto& b : buckets) {
      b.flat.div_(size);
      int64_t offset = 0;
      for (size_t i : b.params) {
        at::Tensor& p = params[i];
        int64_t n = p.numel();
        at::Tensor avg = b.flat.narrow(0, offset, n).view(p.sizes());
        offset += n;
        if (p.grad().defined()) p.mutable_grad().copy_(avg);
        else p.mutable_grad() = avg.clone();
      }
      b.work.reset();
      b.flat = at::Tensor();
    }
    return startedInBackward;
  }

  void prepare() {
    std::lock_guard<std::mutex> lock(mu);
    armed = true;
    startedInBackward = 0;
    error.clear();
    std::fill(seen.begin(), seen.end(), false);
    for (auto& b : buckets) {
      b.ready = 0;
      b.work.reset();
    }
  }
};

struct ReadyHook : torch::autograd::FunctionPostHook {
  ReadyHook(std::weak_ptr<ReducerState> state, size_t index) : state_(std::move(state)), index_(index) {}
  torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs, const torch::autograd::variable_list&) override {
    if (auto s = state_.lock()) s->markReady(index_);
    return outputs;
  }
  std::weak_ptr<ReducerState> state_;
  size_t index_;
};

struct ReducerBox {
  std::shared_ptr<ReducerState> state;
};

// newReducer(pg, params, bucketBytes) -> Reducer. Buckets fill in reverse parameter
// order (the order backward produces gradients), one dtype per bucket.
static Napi::Value newReducer(const Napi::CallbackInfo& info) {
  Args a(info, "newReducer");
  auto* gbox = unwrapBox<GroupBox>(info, 0, kGroupTag, "newReducer", "ProcessGroup");
  if (!gbox->group) throw Napi::Error::New(info.Env(), "newReducer: the process group was destroyed");
  auto params = a.tensorList(1, "params");
  int64_t cap = a.integer(2, "bucketBytes");
  if (cap < 1) a.fail("bucketBytes", "a positive integer");
  for (auto& p : params) {
    if (!p.requires_grad() || !p.is_leaf()) throw Napi::Error::New(info.Env(), "newReducer: every parameter must be a leaf that requires grad");
  }
  return guard(info.Env(), "newReducer", [&] {
    auto s = std::make_shared<ReducerState>();
    s->group = gbox->group;
    s->params = params;
    s->bucketOf.assign(params.size(), 0);
    s->seen.assign(params.size(), false);
    int64_t filled = 0;
    for (size_t k = params.size(); k-- > 0;) {
      const at::Tensor& p = params[k];
      int64_t bytes = p.numel() * p.element_size();
      bool fresh = s->buckets.empty() || filled + bytes > cap ||
                   s->params[s->buckets.back().params.front()].scalar_type() != p.scalar_type();
      if (fresh) {
        s->buckets.emplace_back();
        filled = 0;
      }
      s->buckets.back().params.push_back(k);
      s->bucketOf[k] = s->buckets.size() - 1;
      filled += bytes;
    }
    std::weak_ptr<ReducerState> weak = s;
    for (size_t k = 0; k < params.size(); k++) {
      auto acc = torch::autograd::impl::grad_accumulator(params[k]);
      acc->add_post_hook(std::make_unique<ReadyHook>(weak, k));
      s->accumulators.push_back(std::move(acc));
    }
    return wrapBox(info.Env(), new ReducerBox{s}, kReducerTag);
  });
}

static Napi::Value reducerBuckets(const Napi::CallbackInfo& info) {
  auto* box = unwrapBox<ReducerBox>(info, 0, kReducerTag, "reducer.buckets", "Reducer");
  if (!box->state) throw Napi::Error::New(info.Env(), "reducer.buckets: the reducer was disposed");
  return Napi::Number::New(info.Env(), static_cast<double>(box->state->buckets.size()));
}

static Napi::Value reducerPrepare(const Napi::CallbackInfo& info) {
  auto* box = unwrapBox<ReducerBox>(info, 0, kReducerTag, "reducer.prepare", "Reducer");
  if (!box->state) throw Napi::Error::New(info.Env(), "reducer.prepare: the reducer was disposed");
  box->state->prepare();
  return info.Env().Undefined();
}

class ReducerFinishWorker : public PromiseWorker {
 public:
  ReducerFinishWorker(Napi::Env env, Napi::Object handle, std::shared_ptr<ReducerState> s) : PromiseWorker(env, "reducer.finish"), s_(std::move(s)) {
    handle_ = Napi::Persistent(handle);
  }
  void Execute() override { guarded([&] { started_ = s_->finish(); }); }
  void OnOK() override { deferred_.Resolve(Napi::Number::New(Env(), static_cast<double>(started_))); }

 private:
  std::shared_ptr<ReducerState> s_;
  size_t started_ = 0;
  Napi::ObjectReference handle_;
};

// reducer.finish(r) -> Promise<number>: the averaged gradients are in place when it resolves;
// the number is how many buckets had been started from inside backward.
static Napi::Value reducerFinish(const Napi::CallbackInfo& info) {
  auto* box = unwrapBox<ReducerBox>(info, 0, kReducerTag, "reducer.finish", "Reducer");
  if (!box->state) throw Napi::Error::New(info.Env(), "reducer.finish: the reducer was disposed");
  auto* w = new ReducerFinishWorker(info.Env(), info[0].As<Napi::Object>(), box->state);
  auto p = w->promise();
  w->Queue();
  return p;
}

static Napi::Value reducerDispose(const Napi::CallbackInfo& info) {
  auto* box = unwrapBox<ReducerBox>(info, 0, kReducerTag, "reducer.dispose", "Reducer");
  box->state.reset();
  return info.Env().Undefined();
}

static Napi::Value distributedInfo(const Napi::CallbackInfo& info) {
  auto o = Napi::Object::New(info.Env());
  o.Set("gloo", true);
#ifdef FACET_WITH_NCCL
  o.Set("nccl", true);
#else
  o.Set("nccl", false);
#endif
  return o;
}

void registerDistributed(Napi::Env env, Napi::Object exports) {
  const std::pair<const char*, Napi::Function::Callback> fns[] = {
      {"distInfo", distributedInfo},   {"distCreateStore", createStore},     {"distStoreSet", storeSet},
      {"distStoreGet", storeGet},      {"distStoreAdd", storeAdd},           {"distNewGroup", newGroup},
      {"distGroupInfo", groupInfo},    {"distDestroyGroup", destroyGroup},   {"distAllReduce", allReduce},
      {"distBroadcast", broadcast},    {"distBarrier", barrier},             {"distWorkWait", workWait},
      {"distWorkWaitSync", workWaitSync}, {"distWorkIsCompleted", workIsCompleted}, {"distNewReducer", newReducer},
      {"distReducerBuckets", reducerBuckets}, {"distReducerPrepare", reducerPrepare}, {"distReducerFinish", reducerFinish}, {"distReducerDispose", reducerDispose},
  };
  for (auto& [name, fn] : fns) exportGuarded(env, exports, name, fn);
}

#else  // built without the gloo headers

static Napi::Value distributedInfo(const Napi::CallbackInfo& info) {
  auto o = Napi::Object::New(info.Env());
  o.Set("gloo", false);
  o.Set("nccl", false);
  return o;
}

void registerDistributed(Napi::Env env, Napi::Object exports) { exportGuarded(env, exports, "distInfo", distributedInfo); }

#endif

}  // namespace facet
