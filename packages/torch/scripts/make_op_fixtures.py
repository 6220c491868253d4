#!/usr/bin/python3
"""PyTorch reference values for facet's op tests (test/ops_fixtures.test.ts).

Run with Debian's PyTorch (1.13):  /usr/bin/python3 scripts/make_op_fixtures.py
It writes fixtures/ops/<case>.safetensors, one file per op case, each holding
  in.<name>      the inputs (float32, or int64 labels)
  out            the output (out.<k> for several)
  gout           the fixed random weight W (gout.<k>); the loss is sum(out * W)
  grad.<name>    d loss / d input, for the inputs that take a gradient
  after.<name>   state after the call (batch_norm's running stats)
plus rng.safetensors (libtorch's generator under manual_seed) and dtypes.safetensors
(PyTorch's float32 -> bfloat16 / int conversions). Everything is seeded: rerunning it
gives the same bytes. The TS side (test/ops_fixtures.test.ts) knows each case's
parameters by name; keep the two in step.
"""
import json, os, struct, sys
import torch, torch.nn as nn, torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'ops')
CODES = {torch.float32: 'F32', torch.float64: 'F64', torch.int64: 'I64', torch.int32: 'I32',
         torch.uint8: 'U8', torch.bool: 'BOOL', torch.bfloat16: 'BF16'}


def save_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for k, t in tensors.items():
        t = t.detach().contiguous().cpu()
        b = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        header[k] = {'dtype': CODES[t.dtype], 'shape': list(t.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b); off += len(b)
    header['__metadata__'] = {'generator': 'scripts/make_op_fixtures.py', 'torch': torch.__version__}
    h = json.dumps(header).encode(); h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h))); f.write(h)
        for b in blobs: f.write(b)


def rn(*shape, scale=1.0):
    return torch.randn(*shape) * scale


def ur(lo, hi, *shape):
    return torch.rand(tuple(shape)) * (hi - lo) + lo


# name -> (inputs, fn(**inputs) -> Tensor or tuple, names of inputs that take a gradient)
def cases():
    g = {}

    def case(name, inputs, fn, grads):
        g[name] = (inputs, fn, grads)

    case('conv2d', dict(x=rn(2, 3, 7, 6), w=rn(4, 3, 3, 3, scale=0.3), b=rn(4)),
         lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), ['x', 'w', 'b'])
    case('conv2d_groups_dilation', dict(x=rn(1, 4, 6, 6), w=rn(4, 2, 3, 3, scale=0.3)),
         lambda x, w: F.conv2d(x, w, None, stride=1, padding=2, dilation=2, groups=2), ['x', 'w'])
    # Transposed conv as nn.ConvTranspose2d computes it (facet's module takes the conv2d route).
    for p in (0, 1):
        case(f'conv_transpose2d_p{p}', dict(x=rn(2, 3, 4, 5), w=rn(3, 4, 3, 3, scale=0.3), b=rn(4)),
             lambda x, w, b, p=p: F.conv_transpose2d(x, w, b, padding=p), ['x', 'w', 'b'])
    case('conv_transpose2d_s2', dict(x=rn(1, 2, 3, 4), w=rn(2, 3, 3, 3, scale=0.3), b=rn(3)),
         lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1), ['x', 'w', 'b'])

    rm, rv = rn(3, scale=0.2), ur(0.5, 1.5, 3)
    case('batch_norm_train', dict(x=rn(4, 3, 3, 5) * 2 + 0.5, w=ur(0.5, 1.5, 3), b=rn(3), running_mean=rm.clone(), running_var=rv.clone()),
         lambda x, w, b, running_mean, running_var: F.batch_norm(x, running_mean, running_var, w, b, training=True, momentum=0.1, eps=1e-5),
         ['x', 'w', 'b'])
    case('batch_norm_eval', dict(x=rn(2, 3, 3, 4), w=ur(0.5, 1.5, 3), b=rn(3), running_mean=rm.clone(), running_var=rv.clone()),
         lambda x, w, b, running_mean, running_var: F.batch_norm(x, running_mean, running_var, w, b, training=False, eps=1e-5),
         ['x', 'w', 'b'])
    case('prelu', dict(x=rn(2, 3, 4, 4), w=ur(0.05, 0.4, 3)), lambda x, w: F.prelu(x, w), ['x', 'w'])
    case('max_pool2d_ceil', dict(x=rn(2, 3, 5, 7)), lambda x: F.max_pool2d(x, 2, 2, ceil_mode=True), ['x'])
    case('max_pool2d_k3s2p1', dict(x=rn(1, 2, 6, 5)), lambda x: F.max_pool2d(x, 3, 2, padding=1), ['x'])
    case('avg_pool2d_ceil', dict(x=rn(1, 2, 5, 7)), lambda x: F.avg_pool2d(x, 2, 2, ceil_mode=True), ['x'])
    case('adaptive_max_pool2d', dict(x=rn(2, 3, 7, 5)), lambda x: F.adaptive_max_pool2d(x, (3, 2)), ['x'])
    case('adaptive_avg_pool2d', dict(x=rn(2, 3, 7, 5)), lambda x: F.adaptive_avg_pool2d(x, (3, 4)), ['x'])
    case('upsample_nearest', dict(x=rn(1, 3, 4, 5)), lambda x: F.interpolate(x, size=(9, 11), mode='nearest'), ['x'])
    case('upsample_nearest_down', dict(x=rn(1, 2, 9, 11)), lambda x: F.interpolate(x, size=(4, 5), mode='nearest'), ['x'])
    case('upsample_bilinear', dict(x=rn(1, 3, 4, 5)), lambda x: F.interpolate(x, size=(7, 9), mode='bilinear', align_corners=False), ['x'])
    case('upsample_bilinear_ac', dict(x=rn(1, 2, 3, 4)), lambda x: F.interpolate(x, size=(5, 7), mode='bilinear', align_corners=True), ['x'])
    case('softmax', dict(x=rn(2, 5, 3, scale=2)), lambda x: F.softmax(x, dim=1), ['x'])
    case('log_softmax', dict(x=rn(3, 6, scale=2)), lambda x: F.log_softmax(x, dim=-1), ['x'])
    case('bce_pos_weight', dict(x=rn(2, 3, 4, 4, scale=2), t=(torch.rand(2, 3, 4, 4) > 0.6).float(), pw=ur(0.5, 4, 3, 1, 1)),
         lambda x, t, pw: F.binary_cross_entropy_with_logits(x, t, pos_weight=pw), ['x'])
    case('bce_weight_pos_weight', dict(x=rn(4, 5, scale=2), t=torch.rand(4, 5), wt=ur(0.2, 2, 4, 5), pw=ur(0.5, 4, 5)),
         lambda x, t, wt, pw: F.binary_cross_entropy_with_logits(x, t, weight=wt, pos_weight=pw, reduction='sum'), ['x'])
    labels = torch.randint(0, 4, (2, 3, 5))
    labels[torch.rand(2, 3, 5) < 0.25] = 255
    case('cross_entropy', dict(x=rn(2, 4, 3, 5, scale=2), y=labels, cw=ur(0.2, 3, 4)),
         lambda x, y, cw: F.cross_entropy(x, y, weight=cw, ignore_index=255), ['x'])
    case('cross_entropy_none', dict(x=rn(2, 4, 3, 5, scale=2), y=labels.clone(), cw=ur(0.2, 3, 4)),
         lambda x, y, cw: F.cross_entropy(x, y, weight=cw, ignore_index=255, reduction='none'), ['x'])
    case('einsum', dict(m=torch.rand(2, 3, 4, 5), f=rn(2, 6, 4, 5)), lambda m, f: torch.einsum('nrhw,nchw->nrc', m, f), ['m', 'f'])
    case('linear', dict(x=rn(3, 5), w=rn(4, 5, scale=0.5), b=rn(4)), lambda x, w, b: F.linear(x, w, b), ['x', 'w', 'b'])
    case('matmul', dict(a=rn(2, 3, 4), b=rn(4, 5)), lambda a, b: a @ b, ['a', 'b'])
    case('mse', dict(x=rn(3, 4), y=rn(3, 4)), lambda x, y: F.mse_loss(x, y), ['x', 'y'])
    case('logsumexp', dict(x=rn(2, 3, 4, scale=3)), lambda x: torch.logsumexp(x, dim=(0, 2), keepdim=True), ['x'])
    case('var_std', dict(x=rn(3, 4, 5)), lambda x: (torch.var(x, dim=(1,)), torch.std(x, dim=(0, 2), keepdim=True)), ['x'])
    case('leaky_relu_sigmoid_tanh', dict(x=rn(4, 5, scale=2)), lambda x: (F.leaky_relu(x, 0.2), torch.sigmoid(x), torch.tanh(x)), ['x'])
    case('gate', dict(a=rn(2, 3, 4, 6), m=torch.rand(2, 7, 16, 24)),
         lambda a, m: _gate(a, m), ['a', 'm'])
    return g


def _gate(a, masks):
    """The SSG gate's region weighting (shared/peers/pytorch_reference.py Gate.forward, first three lines)."""
    m = F.adaptive_avg_pool2d(masks, a.shape[2:])
    m = m / m.sum((2, 3), keepdim=True).clamp_min(1e-6)
    return (m.unsqueeze(2) * a.unsqueeze(1)).flatten(1, 2)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(20240611)
    torch.set_num_threads(1)
    for name, (inputs, fn, grads) in cases().items():
        leaves = {k: (v.clone().requires_grad_(k in grads) if v.is_floating_point() else v.clone()) for k, v in inputs.items()}
        out = fn(**leaves)
        outs = out if isinstance(out, tuple) else (out,)
        gouts = [ur(0.5, 1.5, *o.shape) for o in outs]
        loss = sum((o * w).sum() for o, w in zip(outs, gouts))
        loss.backward()
        t = {f'in.{k}': v for k, v in inputs.items()}
        if len(outs) == 1:
            t['out'] = outs[0]; t['gout'] = gouts[0]
        else:
            for i, (o, w) in enumerate(zip(outs, gouts)):
                t[f'out.{i}'] = o; t[f'gout.{i}'] = w
        for k in grads:
            t[f'grad.{k}'] = leaves[k].grad
        for k in ('running_mean', 'running_var'):
            if k in leaves:
                t[f'after.{k}'] = leaves[k]
        save_safetensors(os.path.join(OUT, f'{name}.safetensors'), t)

    # libtorch's CPU generator: facet's manualSeed must reproduce these.
    r = {}
    torch.manual_seed(1234)
    r['seed1234.randn_5'] = torch.randn(5)
    r['seed1234.randn_40'] = torch.randn(40)  # >= 16 elements: the vectorised path
    r['seed1234.rand_20'] = torch.rand(20)
    r['seed1234.randint_0_100_20'] = torch.randint(0, 100, (20,))
    r['seed1234.randn_f64_6'] = torch.randn(6, dtype=torch.float64)
    torch.manual_seed(7)
    r['seed7.randn_2x3'] = torch.randn(2, 3)
    r['seed7.randperm_10'] = torch.randperm(10)
    save_safetensors(os.path.join(OUT, 'rng.safetensors'), r)

    # PyTorch's conversions, to compare facet's dtype round trips with.
    src = torch.tensor([0.0, -0.0, 1.0, -1.5, 3.14159265, 1e-3, 65504.0, 1e20, -2.75e-5, 0.1, 1 / 3, 255.7], dtype=torch.float32)
    d = {'src': src, 'bf16': src.to(torch.bfloat16), 'bf16_back': src.to(torch.bfloat16).float(),
         'i32': src.clamp(-1e6, 1e6).to(torch.int32), 'i64': src.clamp(-1e6, 1e6).to(torch.int64),
         'u8': src.clamp(0, 255).to(torch.uint8), 'bool': src.to(torch.bool), 'f64': src.to(torch.float64)}
    save_safetensors(os.path.join(OUT, 'dtypes.safetensors'), d)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f'wrote {len(os.listdir(OUT))} files, {total} bytes to {os.path.normpath(OUT)}', file=sys.stderr)


if __name__ == '__main__':
    main()
