// The op surface of the binding, declared once. codegen/generate.mjs turns each line
// into a C++ wrapper (src/ops.generated.cc), a typed TS function
// (lib/ops.generated.ts) and its addon declaration (lib/native_ops.generated.ts); ops
// whose first argument is `Tensor self` also become Tensor methods. Argument types are
// a closed set: Tensor, Tensor?, Tensor[], TensorOrScalar, Scalar, Scalar?, int, int?,
// int[], int[]?, float, float?, bool, str, ScalarType, ScalarType?, MemoryFormat, Device.
// Returns: Tensor, Tensor[], (Tensor, Tensor), bool, self.
// `cpp` overrides the call (argument names are C++ variables there); the default is
// at::NAME(args...). Signatures follow PyTorch's native_functions.yaml where they can.
const opts = 'at::TensorOptions().dtype(dtype).device(device)';
const factory = (decl, cpp) => ({ decl, cpp });

export const ops = [
  // ---- creation ----
  factory('zeros(int[] size, ScalarType dtype="float32", Device device="cpu") -> Tensor', `at::zeros(size, ${opts})`),
  factory('ones(int[] size, ScalarType dtype="float32", Device device="cpu") -> Tensor', `at::ones(size, ${opts})`),
  factory('empty(int[] size, ScalarType dtype="float32", Device device="cpu") -> Tensor', `at::empty(size, ${opts})`),
  factory('full(int[] size, Scalar fill_value, ScalarType dtype="float32", Device device="cpu") -> Tensor', `at::full(size, fill_value, ${opts})`),
  factory(
    'arange(Scalar start, Scalar end, Scalar step=1, ScalarType dtype="float32", Device device="cpu") -> Tensor',
    `at::arange(start, end, step, ${opts})`,
  ),
  factory(
    'linspace(Scalar start, Scalar end, int steps, ScalarType dtype="float32", Device device="cpu") -> Tensor',
    `at::linspace(start, end, steps, ${opts})`,
  ),
  factory('eye(int n, ScalarType dtype="float32", Device device="cpu") -> Tensor', `at::eye(n, ${opts})`),
  factory('rand(int[] size, ScalarType dtype="float32", Device device="cpu") -> Tensor', `at::rand(size, ${opts})`),
  factory('randn(int[] size, ScalarType dtype="float32", Device device="cpu") -> Tensor', `at::randn(size, ${opts})`),
  factory('randint(int low, int high, int[] size, ScalarType dtype="int64", Device device="cpu") -> Tensor', `at::randint(low, high, size, ${opts})`),
  factory('randperm(int n, ScalarType dtype="int64", Device device="cpu") -> Tensor', `at::randperm(n, ${opts})`),
  { decl: 'zeros_like(Tensor self) -> Tensor' },
  { decl: 'ones_like(Tensor self) -> Tensor' },
  { decl: 'full_like(Tensor self, Scalar fill_value) -> Tensor' },
  { decl: 'randn_like(Tensor self) -> Tensor' },

  // ---- elementwise arithmetic and math ----
  { decl: 'add(Tensor self, TensorOrScalar other, Scalar alpha=1) -> Tensor' },
  { decl: 'sub(Tensor self, TensorOrScalar other, Scalar alpha=1) -> Tensor' },
  { decl: 'mul(Tensor self, TensorOrScalar other) -> Tensor' },
  { decl: 'div(Tensor self, TensorOrScalar other) -> Tensor' },
  { decl: 'pow(Tensor self, TensorOrScalar exponent) -> Tensor' },
  { decl: 'remainder(Tensor self, TensorOrScalar other) -> Tensor' },
  { decl: 'maximum(Tensor self, Tensor other) -> Tensor' },
  { decl: 'minimum(Tensor self, Tensor other) -> Tensor' },
  { decl: 'neg(Tensor self) -> Tensor' },
  { decl: 'abs(Tensor self) -> Tensor' },
  { decl: 'exp(Tensor self) -> Tensor' },
  { decl: 'log(Tensor self) -> Tensor' },
  { decl: 'log1p(Tensor self) -> Tensor' },
  { decl: 'sqrt(Tensor self) -> Tensor' },
  { decl: 'rsqrt(Tensor self) -> Tensor' },
  { decl: 'square(Tensor self) -> Tensor' },
  { decl: 'reciprocal(Tensor self) -> Tensor' },
  { decl: 'sin(Tensor self) -> Tensor' },
  { decl: 'cos(Tensor self) -> Tensor' },
  { decl: 'tanh(Tensor self) -> Tensor' },
  { decl: 'sign(Tensor self) -> Tensor' },
  { decl: 'floor(Tensor self) -> Tensor' },
  { decl: 'ceil(Tensor self) -> Tensor' },
  { decl: 'round(Tensor self) -> Tensor' },
  { decl: 'clamp(Tensor self, Scalar? min=None, Scalar? max=None) -> Tensor' },
  { decl: 'clamp_min(Tensor self, Scalar min) -> Tensor' },
  { decl: 'sigmoid(Tensor self) -> Tensor' },
  { decl: 'relu(Tensor self) -> Tensor' },
  { decl: 'leaky_relu(Tensor self, Scalar negative_slope=0.01) -> Tensor' },
  { decl: 'prelu(Tensor self, Tensor weight) -> Tensor' },
  { decl: 'softmax(Tensor self, int dim, ScalarType? dtype=None) -> Tensor' },
  { decl: 'log_softmax(Tensor self, int dim, ScalarType? dtype=None) -> Tensor' },

  // ---- comparison and selection ----
  { decl: 'eq(Tensor self, TensorOrScalar other) -> Tensor' },
  { decl: 'ne(Tensor self, TensorOrScalar other) -> Tensor' },
  { decl: 'lt(Tensor self, TensorOrScalar other) -> Tensor' },
  { decl: 'le(Tensor self, TensorOrScalar other) -> Tensor' },
  { decl: 'gt(Tensor self, TensorOrScalar other) -> Tensor' },
  { decl: 'ge(Tensor self, TensorOrScalar other) -> Tensor' },
  { decl: 'logical_and(Tensor self, Tensor other) -> Tensor' },
  { decl: 'logical_or(Tensor self, Tensor other) -> Tensor' },
  { decl: 'logical_not(Tensor self) -> Tensor' },
  { decl: 'isnan(Tensor self) -> Tensor' },
  { decl: 'isfinite(Tensor self) -> Tensor' },
  { decl: 'where(Tensor condition, TensorOrScalar input, TensorOrScalar other) -> Tensor' },
  { decl: 'masked_fill(Tensor self, Tensor mask, Scalar value) -> Tensor' },

  // ---- reductions ----
  { decl: 'sum(Tensor self, int[]? dim=None, bool keepdim=False, ScalarType? dtype=None) -> Tensor' },
  {
    decl: 'mean(Tensor self, int[]? dim=None, bool keepdim=False, ScalarType? dtype=None) -> Tensor',
    cpp: 'dim ? at::mean(self, *dim, keepdim, dtype) : at::mean(self, dtype)',
  },
  { decl: 'var(Tensor self, int[]? dim=None, bool unbiased=True, bool keepdim=False) -> Tensor', js: 'variance' },
  { decl: 'std(Tensor self, int[]? dim=None, bool unbiased=True, bool keepdim=False) -> Tensor' },
  { decl: 'amax(Tensor self, int[] dim=[], bool keepdim=False) -> Tensor' },
  { decl: 'amin(Tensor self, int[] dim=[], bool keepdim=False) -> Tensor' },
  { decl: 'argmax(Tensor self, int? dim=None, bool keepdim=False) -> Tensor' },
  { decl: 'argmin(Tensor self, int? dim=None, bool keepdim=False) -> Tensor' },
  { decl: 'max_dim(Tensor self, int dim, bool keepdim=False) -> (Tensor, Tensor)', cpp: 'at::max(self, dim, keepdim)' },
  { decl: 'min_dim(Tensor self, int dim, bool keepdim=False) -> (Tensor, Tensor)', cpp: 'at::min(self, dim, keepdim)' },
  { decl: 'logsumexp(Tensor self, int[] dim, bool keepdim=False) -> Tensor' },
  { decl: 'cumsum(Tensor self, int dim) -> Tensor' },
  { decl: 'sort(Tensor self, int dim=-1, bool descending=False) -> (Tensor, Tensor)' },
  { decl: 'topk(Tensor self, int k, int dim=-1, bool largest=True, bool sorted=True) -> (Tensor, Tensor)' },
  { decl: 'allclose(Tensor self, Tensor other, float rtol=1e-05, float atol=1e-08) -> bool' },

  // ---- linear algebra ----
  { decl: 'matmul(Tensor self, Tensor other) -> Tensor' },
  { decl: 'mm(Tensor self, Tensor mat2) -> Tensor' },
  { decl: 'bmm(Tensor self, Tensor mat2) -> Tensor' },
  { decl: 'linear(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor' },
  { decl: 'einsum(str equation, Tensor[] tensors) -> Tensor' },

  // ---- neural-network layers ----
  { decl: 'conv2d(Tensor input, Tensor weight, Tensor? bias=None, int[] stride=[1, 1], int[] padding=[0, 0], int[] dilation=[1, 1], int groups=1) -> Tensor' },
  {
    decl: 'conv_transpose2d(Tensor input, Tensor weight, Tensor? bias=None, int[] stride=[1, 1], int[] padding=[0, 0], int[] output_padding=[0, 0], int groups=1, int[] dilation=[1, 1]) -> Tensor',
  },
  {
    decl: 'batch_norm(Tensor input, Tensor? weight, Tensor? bias, Tensor? running_mean, Tensor? running_var, bool training, float momentum=0.1, float eps=1e-05) -> Tensor',
    cpp: 'at::batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, true)',
  },
  { decl: 'max_pool2d(Tensor input, int[] kernel_size, int[] stride=[], int[] padding=[0, 0], int[] dilation=[1, 1], bool ceil_mode=False) -> Tensor' },
  {
    decl: 'avg_pool2d(Tensor input, int[] kernel_size, int[] stride=[], int[] padding=[0, 0], bool ceil_mode=False, bool count_include_pad=True, int? divisor_override=None) -> Tensor',
  },
  { decl: 'adaptive_avg_pool2d(Tensor input, int[] output_size) -> Tensor' },
  { decl: 'adaptive_max_pool2d(Tensor input, int[] output_size) -> Tensor', cpp: 'std::get<0>(at::adaptive_max_pool2d(input, output_size))' },
  { decl: 'upsample_nearest2d(Tensor input, int[] output_size) -> Tensor', cpp: 'at::upsample_nearest2d(input, output_size, c10::nullopt, c10::nullopt)' },
  {
    decl: 'upsample_bilinear2d(Tensor input, int[] output_size, bool align_corners=False) -> Tensor',
    cpp: 'at::upsample_bilinear2d(input, output_size, align_corners, c10::nullopt, c10::nullopt)',
  },
  { decl: 'dropout(Tensor input, float p, bool train) -> Tensor' },
  { decl: 'binary_cross_entropy_with_logits(Tensor input, Tensor target, Tensor? weight=None, Tensor? pos_weight=None, int reduction=1) -> Tensor' },
  {
    decl: 'cross_entropy(Tensor input, Tensor target, Tensor? weight=None, int reduction=1, int ignore_index=-100, float label_smoothing=0.0) -> Tensor',
    cpp: 'at::cross_entropy_loss(input, target, weight, reduction, ignore_index, label_smoothing)',
  },
  {
    decl: 'nll_loss(Tensor input, Tensor target, Tensor? weight=None, int reduction=1, int ignore_index=-100) -> Tensor',
    cpp: 'at::nll_loss_nd(input, target, weight, reduction, ignore_index)',
  },
  { decl: 'mse_loss(Tensor input, Tensor target, int reduction=1) -> Tensor' },
  { decl: 'one_hot(Tensor self, int num_classes=-1) -> Tensor' },

  // ---- shape and indexing ----
  { decl: 'reshape(Tensor self, int[] shape) -> Tensor' },
  { decl: 'view(Tensor self, int[] size) -> Tensor', cpp: 'self.view(size)' },
  { decl: 'permute(Tensor self, int[] dims) -> Tensor' },
  { decl: 'transpose(Tensor self, int dim0, int dim1) -> Tensor' },
  { decl: 'flatten(Tensor self, int start_dim=0, int end_dim=-1) -> Tensor' },
  { decl: 'squeeze(Tensor self, int? dim=None) -> Tensor', cpp: 'dim ? at::squeeze(self, *dim) : at::squeeze(self)' },
  { decl: 'unsqueeze(Tensor self, int dim) -> Tensor' },
  { decl: 'expand(Tensor self, int[] size) -> Tensor', cpp: 'self.expand(size)' },
  { decl: 'repeat(Tensor self, int[] repeats) -> Tensor', cpp: 'self.repeat(repeats)' },
  { decl: 'cat(Tensor[] tensors, int dim=0) -> Tensor' },
  { decl: 'stack(Tensor[] tensors, int dim=0) -> Tensor' },
  { decl: 'split(Tensor self, int split_size, int dim=0) -> Tensor[]' },
  { decl: 'split_with_sizes(Tensor self, int[] split_sizes, int dim=0) -> Tensor[]' },
  { decl: 'chunk(Tensor self, int chunks, int dim=0) -> Tensor[]' },
  { decl: 'narrow(Tensor self, int dim, int start, int length) -> Tensor' },
  { decl: 'select(Tensor self, int dim, int index) -> Tensor' },
  { decl: 'slice(Tensor self, int dim=0, int? start=None, int? end=None, int step=1) -> Tensor' },
  { decl: 'index_select(Tensor self, int dim, Tensor index) -> Tensor' },
  { decl: 'gather(Tensor self, int dim, Tensor index) -> Tensor' },
  { decl: 'flip(Tensor self, int[] dims) -> Tensor' },
  { decl: 'contiguous(Tensor self, MemoryFormat memory_format="contiguous") -> Tensor', cpp: 'self.contiguous(memory_format)' },
  { decl: 'clone(Tensor self) -> Tensor' },
  { decl: 'detach(Tensor self) -> Tensor' },
  { decl: 'to_dtype(Tensor self, ScalarType dtype) -> Tensor', cpp: 'self.to(dtype)' },

  // ---- in place (optimizers, initialisation); each returns its receiver ----
  { decl: 'add_(Tensor self, TensorOrScalar other, Scalar alpha=1) -> self', cpp: 'self.add_(other, alpha)' },
  { decl: 'sub_(Tensor self, TensorOrScalar other, Scalar alpha=1) -> self', cpp: 'self.sub_(other, alpha)' },
  { decl: 'mul_(Tensor self, TensorOrScalar other) -> self', cpp: 'self.mul_(other)' },
  { decl: 'div_(Tensor self, TensorOrScalar other) -> self', cpp: 'self.div_(other)' },
  { decl: 'addcmul_(Tensor self, Tensor tensor1, Tensor tensor2, Scalar value=1) -> self', cpp: 'self.addcmul_(tensor1, tensor2, value)' },
  { decl: 'addcdiv_(Tensor self, Tensor tensor1, Tensor tensor2, Scalar value=1) -> self', cpp: 'self.addcdiv_(tensor1, tensor2, value)' },
  { decl: 'lerp_(Tensor self, Tensor end, Scalar weight) -> self', cpp: 'self.lerp_(end, weight)' },
  { decl: 'maximum_(Tensor self, Tensor other) -> self', cpp: 'at::maximum_out(self, self, other)' },
  { decl: 'sqrt_(Tensor self) -> self', cpp: 'self.sqrt_()' },
  { decl: 'clamp_min_(Tensor self, Scalar min) -> self', cpp: 'self.clamp_min_(min)' },
  { decl: 'copy_(Tensor self, Tensor src) -> self', cpp: 'self.copy_(src)' },
  { decl: 'zero_(Tensor self) -> self', cpp: 'self.zero_()' },
  { decl: 'fill_(Tensor self, Scalar value) -> self', cpp: 'self.fill_(value)' },
  { decl: 'normal_(Tensor self, float mean=0.0, float std=1.0) -> self', cpp: 'self.normal_(mean, std)' },
  { decl: 'uniform_(Tensor self, float low=0.0, float high=1.0) -> self', cpp: 'self.uniform_(low, high)' },
];
