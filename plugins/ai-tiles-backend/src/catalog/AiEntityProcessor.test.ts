import { Entity } from '@backstage/catalog-model';
import { AiEntityProcessor } from './AiEntityProcessor';

const location = { type: 'file', target: '/catalog/app.yaml' };

const entity = (
  annotations: Record<string, string>,
  type = 'ai-app',
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'summarizer', annotations },
  spec: { type, owner: 'group:default/legal', lifecycle: 'production' },
});

describe('AiEntityProcessor', () => {
  const processor = new AiEntityProcessor();

  it('emits nothing for a valid AI app and returns it unchanged', async () => {
    const emit = jest.fn();
    const valid = entity({
      'ai-portal/runner': 'dify',
      'ai-portal/dify-app': '8a4b6c2d-1e3f-4a5b-8c7d-9e0f1a2b3c4d',
    });
    await expect(
      processor.postProcessEntity(valid, location, emit),
    ).resolves.toBe(valid);
    expect(emit).not.toHaveBeenCalled();
  });

  it('emits one input error per problem, naming the entity', async () => {
    const emit = jest.fn();
    await processor.postProcessEntity(
      entity({ 'ai-portal/runner': 'rocket', 'ai-portal/icon': 'skull' }),
      location,
      emit,
    );
    expect(emit).toHaveBeenCalledTimes(2);
    const [first, second] = emit.mock.calls.map(([result]) => result);
    expect(first).toMatchObject({ type: 'error', location });
    expect(first.error.name).toBe('InputError');
    expect(first.error.message).toBe(
      'Invalid AI portal entity component:default/summarizer: metadata.annotations["ai-portal/runner"]: is required and must be one of dify, link, chat',
    );
    expect(second.error.message).toMatch(/ai-portal\/icon/);
  });

  it('ignores ordinary components and flags stray AI annotations', async () => {
    const emit = jest.fn();
    await processor.postProcessEntity(entity({}, 'service'), location, emit);
    expect(emit).not.toHaveBeenCalled();

    await processor.postProcessEntity(
      entity({ 'ai-portal/runner': 'dify' }, 'service'),
      location,
      emit,
    );
    expect(emit).toHaveBeenCalledTimes(1);
  });
});
