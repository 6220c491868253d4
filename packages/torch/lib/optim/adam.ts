import type { Tensor } from '../tensor.js';
import { Optimizer, checkBetas, checkNonNegative, type Group, type ParamGroup, type ParamState } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

/**
 * Adam and AdamW (torch 1.13, single-tensor non-capturable path: the bias corrections
 * are JS doubles, as Python computes them). They differ only in the weight decay.
 */
abstract class AdamBase extends Optimizer<AdamOptions> {
  /** true: AdamW's decoupled decay (p *= 1 - lr·wd); false: Adam's L2 term added to the gradient. */
  protected abstract readonly decoupled: boolean;

  protected validate(o: AdamOptions): void {
    checkNonNegative('learning rate', o.lr);
    checkNonNegative('epsilon value', o.eps);
    checkBetas(o.betas);
    checkNonNegative('weight_decay value', o.weightDecay);
  }

  protected update(p: Tensor, grad: Tensor, st: ParamState, g: Group<AdamOptions>): void {
    const expAvg = this.stateTensor(st, 'exp_avg', () => p.zerosLike());
    const expAvgSq = this.stateTensor(st, 'exp_avg_sq', () => p.zerosLike());
    const maxExpAvgSq = g.amsgrad ? this.stateTensor(st, 'max_exp_avg_sq', () => p.zerosLike()) : null;
    const [beta1, beta2] = g.betas;
    let gr = g.maximize ? grad.neg() : grad;
    st.step += 1;
    if (g.weightDecay !== 0) {
      if (this.decoupled) p.mul_(1 - g.lr * g.weightDecay);
      else gr = gr.add(p, g.weightDecay);
    }
    expAvg.mul_(beta1).add_(gr, 1 - beta1);
    expAvgSq.mul_(beta2).addcmul_(gr, gr, 1 - beta2);
    const bias1 = 1 - beta1 ** st.step;
    const bias2 = 1 - beta2 ** st.step;
    const stepSize = g.lr / bias1;
    const bias2Sqrt = Math.sqrt(bias2);
    let denom: Tensor;
    if (maxExpAvgSq) {
      maxExpAvgSq.maximum_(expAvgSq);
      denom = maxExpAvgSq.sqrt().div_(bias2Sqrt).add_(g.eps);
    } else {
      denom = expAvgSq.sqrt().div_(bias2Sqrt).add_(g.eps);
    }
    p.addcdiv_(expAvg, denom, -stepSize);
  }
}

/** torch.optim.Adam: L2 weight decay added to the gradient (default 0); optional AMSGrad. */
export class Adam extends AdamBase {
  readonly name = 'Adam';
  protected readonly decoupled = false;

  constructor(params: Tensor[] | ParamGroup<AdamOptions>[], options: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, ...options });
  }
}

/** torch.optim.AdamW: decoupled weight decay (p *= 1 - lr·wd), default weightDecay 1e-2. */
export class AdamW extends AdamBase {
  readonly name = 'AdamW';
  protected readonly decoupled = true;

  constructor(params: Tensor[] | ParamGroup<AdamOptions>[], options: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false, ...options });
  }
}
