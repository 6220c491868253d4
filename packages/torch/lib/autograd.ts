import { native } from './native.js';

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = native.setGradEnabled(enabled);
  try {
    const r = fn();
    if (r && typeof (r as { then?: unknown }).then === 'function') {
      throw new TypeError('noGrad/enableGrad: the function returned a Promise; grad mode is synchronous');
    }
    return r;
  } finally {
    native.setGradEnabled(prev);
  }
}

/** Runs fn with autograd off (PyTorch's torch.no_grad()). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs fn with autograd on, inside a noGrad scope. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}
