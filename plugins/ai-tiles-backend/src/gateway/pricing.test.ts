import { mockServices } from '@backstage/backend-test-utils';
import { LiteLlmClient } from '../service/litellm/LiteLlmClient';
import { ModelPrices } from './pricing';

const prices = (data: Array<{ model_name: string; model_info?: object }>) =>
  new ModelPrices(
    () =>
      ({ getModelInfo: async () => ({ data }) } as unknown as LiteLlmClient),
    mockServices.logger.mock(),
  );

describe('ModelPrices', () => {
  it('prices tokens with LiteLLM model info', async () => {
    const p = prices([
      {
        model_name: 'gpt-4o-mini',
        model_info: {
          input_cost_per_token: 0.00000015,
          output_cost_per_token: 0.0000006,
        },
      },
      // Embeddings: an input price only.
      {
        model_name: 'text-embedding-3-small',
        model_info: { input_cost_per_token: 0.00000002 },
      },
      // Priced as free on purpose.
      {
        model_name: 'local-llama',
        model_info: { input_cost_per_token: 0, output_cost_per_token: 0 },
      },
    ]);
    expect(await p.cost('gpt-4o-mini', 1000, 100)).toBeCloseTo(0.00021, 12);
    expect(await p.cost('text-embedding-3-small', 500, 0)).toBeCloseTo(
      0.00001,
      12,
    );
    expect(await p.cost('local-llama', 1000, 1000)).toBe(0);
  });

  it('has no cost for a model without a price, rather than a free call', async () => {
    const p = prices([
      { model_name: 'no-price', model_info: { mode: 'chat' } },
      {
        model_name: 'null-price',
        model_info: { input_cost_per_token: null, output_cost_per_token: null },
      },
      { model_name: 'no-info' },
    ]);
    expect(await p.cost('no-price', 10, 10)).toBeUndefined();
    expect(await p.cost('null-price', 10, 10)).toBeUndefined();
    expect(await p.cost('no-info', 10, 10)).toBeUndefined();
    expect(await p.cost('unknown', 10, 10)).toBeUndefined();
    expect(await p.cost(undefined, 10, 10)).toBeUndefined();
  });
});
