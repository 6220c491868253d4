#!/usr/bin/env python3
"""PyTorch side of `facet bench --op conv2d`: the same layer, the same count, the same keys.

Run with Debian's python3-torch: /usr/bin/python3 scripts/peer_conv2d.py --batch 8 --channels 64 --size 64
"""
import argparse, json, time
import torch, torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument('--batch', type=int, default=8); ap.add_argument('--channels', type=int, default=64)
ap.add_argument('--size', type=int, default=64); ap.add_argument('--steps', type=int, default=3)
ap.add_argument('--threads', type=int, default=2)
a = ap.parse_args()
torch.manual_seed(0); torch.set_num_threads(a.threads)
n, c, s = a.batch, a.channels, a.size
x = torch.randn(n, c, s, s, requires_grad=True)
w = (torch.randn(c, c, 3, 3) * 0.05).requires_grad_()
flops = 2 * n * c * c * 9 * s * s

def train():
    F.conv2d(x, w, None, 1, 1).sum().backward(); x.grad = None; w.grad = None

def infer():
    with torch.no_grad():
        F.conv2d(x, w, None, 1, 1)

def timed(fn):
    fn(); t = time.perf_counter()
    for _ in range(a.steps): fn()
    return (time.perf_counter() - t) / a.steps

tt, ti = timed(train), timed(infer)
print(json.dumps({'engine': 'pytorch-' + torch.__version__, 'op': 'conv2d', 'batch': n, 'channels': c, 'size': s,
                  'steps': a.steps, 'threads': a.threads,
                  'gflops_train': round(3 * flops / tt / 1e9, 3), 'gflops_infer': round(flops / ti / 1e9, 3)}))
