#!/usr/bin/env python3
"""One 3x3 convolution (the issue-16 layer: 64 channels, 64x64, batch 8) in PyTorch's
fp32 NCHW, fp32 channels-last and bf16 channels-last, forward alone and forward +
backward, one thread, GFLOP per CPU-second: whether this processor's bf16 convolution
kernels (the ones libtorch gives facet and the peer alike) beat its float32 ones.
Run with Debian's python3-torch: /usr/bin/python3 scripts/conv-microbench.py"""
import json, platform, time
import torch

torch.set_num_threads(1)


def cpu_name():
    try:
        for line in open('/proc/cpuinfo'):
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def rate(dtype, channels_last, backward, C=64, H=64, N=8, reps=5):
    conv = torch.nn.Conv2d(C, C, 3, padding=1)
    x = torch.randn(N, C, H, H)
    if channels_last:
        conv = conv.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    conv, x = conv.to(dtype), x.to(dtype).requires_grad_(backward)

    def step():
        if backward:
            conv(x).sum().backward()
        else:
            with torch.no_grad():
                conv(x)

    step()
    t = time.process_time()
    for _ in range(reps):
        step()
    seconds = (time.process_time() - t) / reps
    return (3 if backward else 1) * 2 * N * C * C * 9 * H * H / seconds / 1e9


flags = open('/proc/cpuinfo').read().split()
out = {'cpu': cpu_name(), 'torch': torch.__version__, 'amx_bf16': 'amx_bf16' in flags, 'avx512_bf16': 'avx512_bf16' in flags}
for name, dtype, cl in [('fp32_nchw', torch.float32, False), ('fp32_cl', torch.float32, True), ('bf16_cl', torch.bfloat16, True)]:
    out[f'{name}_fwd_gflops'] = round(rate(dtype, cl, False), 1)
    out[f'{name}_train_gflops'] = round(rate(dtype, cl, True), 1)
print(json.dumps(out))
