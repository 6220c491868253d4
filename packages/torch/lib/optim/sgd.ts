import type { Tensor } from '../tensor.js';
import { Optimizer, checkNonNegative, type Group, type ParamGroup, type ParamState } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/** torch.optim.SGD (1.13, single-tensor path): momentum, dampening, Nesterov, L2 weight decay. */
export class SGD extends Optimizer<SGDOptions> {
  readonly name = 'SGD';

  constructor(params: Tensor[] | ParamGroup<SGDOptions>[], options: Partial<SGDOptions> & { lr: number }) {
    super(params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...options });
  }

  protected validate(o: SGDOptions): void {
    checkNonNegative('learning rate', o.lr);
    checkNonNegative('momentum value', o.momentum);
    checkNonNegative('weight_decay value', o.weightDecay);
    if (typeof o.dampening !== 'number' || !Number.isFinite(o.dampening)) throw new RangeError(`invalid dampening: ${o.dampening}`);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new RangeError('Nesterov momentum requires a momentum and zero dampening');
    }
  }

  protected update(p: Tensor, grad: Tensor, st: ParamState, g: Group<SGDOptions>): void {
    st.step += 1;
    let dp = g.maximize ? grad.neg() : grad;
    if (g.weightDecay !== 0) dp = dp.add(p, g.weightDecay);
    if (g.momentum !== 0) {
      let buf = st.tensors.get('momentum_buffer');
      if (!buf) {
        buf = this.stateTensor(st, 'momentum_buffer', () => dp.clone().detach());
      } else {
        buf.mul_(g.momentum).add_(dp, 1 - g.dampening);
      }
      dp = g.nesterov ? dp.add(buf, g.momentum) : buf;
    }
    p.add_(dp, -g.lr);
  }
}
