import { LoggerService } from '@backstage/backend-plugin-api';
import { LiteLlmClient } from '../service/litellm/LiteLlmClient';

interface Price {
  input: number;
  output: number;
}

const TTL_MS = 5 * 60_000;

const priced = (v: unknown) => v !== undefined && v !== null;

/**
 * Per-token prices from LiteLLM's `/model/info`, refreshed every five
 * minutes, for calls whose response carries no `x-litellm-response-cost`
 * (streams). A failed refresh keeps the previous prices.
 */
export class ModelPrices {
  private prices = new Map<string, Price>();
  private loadedAt = 0;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly client: () => LiteLlmClient,
    private readonly logger: LoggerService,
  ) {}

  /** USD for the tokens, or undefined when the model has no known price. */
  async cost(
    model: string | undefined,
    promptTokens: number,
    completionTokens: number,
  ): Promise<number | undefined> {
    if (!model) return undefined;
    if (Date.now() - this.loadedAt > TTL_MS || !this.prices.has(model)) {
      await this.refresh();
    }
    const price = this.prices.get(model);
    if (!price) return undefined;
    return promptTokens * price.input + completionTokens * price.output;
  }

  private refresh(): Promise<void> {
    // One refresh at a time, and an unknown model at most every 10 s.
    if (this.loading) return this.loading;
    if (Date.now() - this.loadedAt < 10_000) return Promise.resolve();
    this.loading = this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    try {
      const info = await this.client().getModelInfo();
      const prices = new Map<string, Price>();
      for (const model of info.data) {
        const m = model.model_info ?? {};
        // No price at all is an unknown cost, not a free call; one side
        // alone is priced (embeddings have no output price).
        if (!priced(m.input_cost_per_token) && !priced(m.output_cost_per_token))
          continue;
        const input = Number(m.input_cost_per_token ?? 0);
        const output = Number(m.output_cost_per_token ?? 0);
        if (Number.isFinite(input) && Number.isFinite(output)) {
          prices.set(model.model_name, { input, output });
        }
      }
      this.prices = prices;
    } catch (error) {
      this.logger.warn(
        `AI gateway: could not read model prices from LiteLLM: ${
          (error as Error).message
        }`,
      );
    } finally {
      this.loadedAt = Date.now();
    }
  }
}
