import type { Tensor, nn } from '@facet/torch';

export interface Validation {
  /** higher is better: the best checkpoint is kept by it */
  score: number;
  scoreName: string;
  metrics: Record<string, unknown>;
}

/**
 * What a kind of run trains: the host side fetches a step's batch (async, from the
 * loaders), the tensor side turns it into a loss (sync, inside one tidy scope).
 */
export interface TrainingTask<B = unknown> {
  readonly model: nn.Module;
  /** images a step consumes (for images/s) */
  readonly imagesPerStep: number;
  prepare(step: number): Promise<B>;
  loss(batch: B): Tensor;
  validate(): Promise<Validation>;
  close(): Promise<void>;
}
