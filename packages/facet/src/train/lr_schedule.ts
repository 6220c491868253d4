// The learning rate at each step, a pure function of the step: a resumed run gets the
// same rates as an uninterrupted one. The paper keeps AdaGrad's rate constant; short
// budgets on real faces gain from a linear warm-up and a cosine decay to zero.
import type { Recipe } from '../runs/config.js';

/** The rate for optimizer step `step` (0-based) of a run of recipe.steps steps. */
export function learningRate(recipe: Pick<Recipe, 'lr' | 'steps' | 'lrSchedule' | 'warmupSteps'>, step: number): number {
  const warmup = recipe.warmupSteps ?? 0;
  if (step < warmup) return (recipe.lr * (step + 1)) / warmup;
  if ((recipe.lrSchedule ?? 'constant') === 'constant') return recipe.lr;
  const span = Math.max(1, recipe.steps - warmup);
  const t = Math.min(1, (step - warmup) / span);
  return 0.5 * recipe.lr * (1 + Math.cos(Math.PI * t));
}
