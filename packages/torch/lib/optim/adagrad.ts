import type { Tensor } from '../tensor.js';
import { Optimizer, checkNonNegative, type Group, type ParamGroup, type ParamState } from './optimizer.js';

export interface AdagradOptions {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

/** torch.optim.Adagrad (1.13, single-tensor dense path). */
export class Adagrad extends Optimizer<AdagradOptions> {
  readonly name = 'Adagrad';

  constructor(params: Tensor[] | ParamGroup<AdagradOptions>[], options: Partial<AdagradOptions> = {}) {
    super(params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false, ...options });
  }

  protected validate(o: AdagradOptions): void {
    checkNonNegative('learning rate', o.lr);
    checkNonNegative('lr_decay value', o.lrDecay);
    checkNonNegative('weight_decay value', o.weightDecay);
    checkNonNegative('initial_accumulator_value value', o.initialAccumulatorValue);
    checkNonNegative('epsilon value', o.eps);
  }

  protected update(p: Tensor, grad: Tensor, st: ParamState, g: Group<AdagradOptions>): void {
    const sum = this.stateTensor(st, 'sum', () => p.fullLike(g.initialAccumulatorValue));
    st.step += 1;
    let gr = g.maximize ? grad.neg() : grad;
    if (g.weightDecay !== 0) gr = gr.add(p, g.weightDecay);
    const clr = g.lr / (1 + (st.step - 1) * g.lrDecay);
    sum.addcmul_(gr, gr, 1);
    const std = sum.sqrt().add_(g.eps);
    p.addcdiv_(gr, std, -clr);
  }
}
