// Paper initialisation (spec §8): Kaiming-normal convs with PReLU's gain at slope
// 0.25, zero conv bias, BatchNorm weight 1 and bias 0 (the layers' defaults).
import { nn, noGrad } from '@facet/torch';

export const PRELU_INIT_SLOPE = 0.25;

export function initPaperWeights(model: nn.Module): void {
  for (const [, m] of model.namedModules()) {
    if (m instanceof nn.Conv2d || m instanceof nn.ConvTranspose2d) {
      nn.init.kaimingNormal_(m.weight, PRELU_INIT_SLOPE);
      if (m.bias) noGrad(() => m.bias!.zero_());
    }
  }
}
