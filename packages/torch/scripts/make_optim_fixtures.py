#!/usr/bin/python3
"""Writes the reference fixtures under fixtures/ with PyTorch (Debian's 1.13: run with /usr/bin/python3).

fixtures/optim/<config>.safetensors, one per optimizer configuration:
  param.<i>.init          the initial parameters (float32)
  grad.<t>.<i>            the gradient of parameter i at step t (1..STEPS); absent = no grad that step
  param.<i>.step<t>       parameter i after step t
  __metadata__: config    JSON {"optimizer": "Adam", "options": {...facet names...},
                                "groups": [{"params": [i, ...], ...overrides}], "steps": STEPS}

fixtures/safetensors/pytorch_dtypes.safetensors: one tensor per dtype, laid out the way the
huggingface writer does (data sorted by dtype size, then name), header keys in another
order; pytorch_dtypes.json gives the expected dtype, shape and values.

Usage: /usr/bin/python3 scripts/make_optim_fixtures.py   (from packages/torch)
"""
import json, os, struct
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, '..', 'fixtures')
STEPS = 20
SHAPES = [(3, 4), (5,), (2, 1, 3)]

CODES = {torch.float32: 'F32', torch.float64: 'F64', torch.bfloat16: 'BF16', torch.float16: 'F16',
         torch.int64: 'I64', torch.int32: 'I32', torch.uint8: 'U8', torch.bool: 'BOOL'}


def tensor_bytes(t):
    t = t.detach().contiguous().cpu()
    if t.dtype in (torch.bfloat16, torch.float16):
        t = t.view(torch.int16)
    return t.numpy().tobytes()


def save_safetensors(path, tensors, metadata=None, data_order=None, header_order=None):
    """data_order / header_order: lists of names (default: insertion order)."""
    names = list(tensors)
    data_order = data_order or names
    header_order = header_order or names
    info, blobs, off = {}, [], 0
    for k in data_order:
        b = tensor_bytes(tensors[k])
        info[k] = {'dtype': CODES[tensors[k].dtype], 'shape': list(tensors[k].shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b); off += len(b)
    header = {}
    if metadata:
        header['__metadata__'] = metadata
    for k in header_order:
        header[k] = info[k]
    h = json.dumps(header, separators=(',', ':')).encode(); h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h))); f.write(h)
        for b in blobs: f.write(b)


def make_dtypes_fixture():
    g = torch.Generator().manual_seed(7)
    base = torch.randn(2, 3, generator=g)
    ts = {
        'f32': base.clone(),
        'f64': torch.randn(3, generator=g, dtype=torch.float64),
        'bf16': base.to(torch.bfloat16),
        'f16': base.to(torch.float16).reshape(3, 2),
        'i64': torch.tensor([[-(2 ** 40), -1, 0], [1, 7, 2 ** 40]], dtype=torch.int64),
        'i32': torch.tensor([-5, 0, 2 ** 30], dtype=torch.int32),
        'u8': torch.tensor([0, 1, 200, 255], dtype=torch.uint8),
        'bool': torch.tensor([[True, False], [False, True]]),
        'scalar': torch.tensor(3.25),
        'empty': torch.zeros(0, 4),
    }
    size = {k: t.element_size() for k, t in ts.items()}
    data_order = sorted(ts, key=lambda k: (-size[k], k))
    header_order = sorted(ts, key=lambda k: k[::-1])
    d = os.path.join(FIXTURES, 'safetensors'); os.makedirs(d, exist_ok=True)
    save_safetensors(os.path.join(d, 'pytorch_dtypes.safetensors'), ts, {'format': 'pt', 'writer': 'make_optim_fixtures.py'},
                     data_order, header_order)
    expected = {}
    for k, t in ts.items():
        vals = t.float().flatten().tolist() if t.dtype in (torch.bfloat16, torch.float16) else t.flatten().tolist()
        if t.dtype == torch.int64:
            vals = [str(v) for v in vals]
        if t.dtype == torch.bool:
            vals = [int(v) for v in vals]
        expected[k] = {'dtype': {v: k2 for k2, v in {'float32': torch.float32, 'float64': torch.float64, 'bfloat16': torch.bfloat16,
                                                     'float16': torch.float16, 'int64': torch.int64, 'int32': torch.int32,
                                                     'uint8': torch.uint8, 'bool': torch.bool}.items()}[t.dtype],
                       'shape': list(t.shape), 'values': vals}
    with open(os.path.join(d, 'pytorch_dtypes.json'), 'w') as f:
        json.dump(expected, f, indent=1)


# name -> (torch class, torch kwargs, facet options, groups [(indices, torch overrides, facet overrides)], grad mask)
CONFIGS = {
    'adagrad': (torch.optim.Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-10),
                dict(lr=0.1, lrDecay=0.01, weightDecay=0.1, initialAccumulatorValue=0.5, eps=1e-10), None, None),
    'sgd_plain_maximize': (torch.optim.SGD, dict(lr=0.1, maximize=True), dict(lr=0.1, maximize=True), None, None),
    'sgd_momentum_groups': (torch.optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.1),
                            dict(lr=0.05, momentum=0.9, dampening=0.1),
                            [([0, 1], {}, {}), ([2], dict(lr=0.02, momentum=0.5), dict(lr=0.02, momentum=0.5))], None),
    'sgd_nesterov_wd': (torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
                        dict(lr=0.05, momentum=0.9, nesterov=True, weightDecay=0.01), None, None),
    # parameter 2 gets no gradient every third step: its state (and step count) must not advance
    'adam_skip': (torch.optim.Adam, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8),
                  dict(lr=0.01, betas=[0.9, 0.999], eps=1e-8), None, lambda t, i: not (i == 2 and t % 3 == 0)),
    'adam_wd_amsgrad': (torch.optim.Adam, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05, amsgrad=True),
                        dict(lr=0.01, betas=[0.8, 0.99], eps=1e-6, weightDecay=0.05, amsgrad=True), None, None),
    'adamw': (torch.optim.AdamW, dict(lr=0.01, weight_decay=0.1), dict(lr=0.01, weightDecay=0.1), None, None),
    'adamw_amsgrad': (torch.optim.AdamW, dict(lr=0.005, betas=(0.85, 0.995), weight_decay=0.02, amsgrad=True),
                      dict(lr=0.005, betas=[0.85, 0.995], weightDecay=0.02, amsgrad=True), None, None),
}


def make_optim_fixture(name, seed):
    cls, kwargs, facet_opts, groups, mask = CONFIGS[name]
    g = torch.Generator().manual_seed(seed)
    init = [torch.randn(*s, generator=g) for s in SHAPES]
    params = [p.clone().requires_grad_(True) for p in init]
    if groups is None:
        groups = [(list(range(len(params))), {}, {})]
    opt = cls([dict(params=[params[i] for i in idx], **tov) for idx, tov, _ in groups], foreach=False, **kwargs)
    out = {f'param.{i}.init': p for i, p in enumerate(init)}
    for t in range(1, STEPS + 1):
        for i, p in enumerate(params):
            if mask is None or mask(t, i):
                gr = torch.randn(*p.shape, generator=g) * (0.1 + i)
                out[f'grad.{t}.{i}'] = gr
                p.grad = gr.clone()
            else:
                p.grad = None
        opt.step()
        for i, p in enumerate(params):
            out[f'param.{i}.step{t}'] = p.detach().clone()
    config = {'optimizer': cls.__name__, 'options': facet_opts,
              'groups': [dict(params=idx, **fov) for idx, _, fov in groups], 'steps': STEPS, 'torch': torch.__version__}
    d = os.path.join(FIXTURES, 'optim'); os.makedirs(d, exist_ok=True)
    save_safetensors(os.path.join(d, f'{name}.safetensors'), out, {'config': json.dumps(config)})


if __name__ == '__main__':
    torch.manual_seed(0)
    make_dtypes_fixture()
    for k, name in enumerate(CONFIGS):
        make_optim_fixture(name, 1000 + k)
    print('wrote', ', '.join(CONFIGS))
