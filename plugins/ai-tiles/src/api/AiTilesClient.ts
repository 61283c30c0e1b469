import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  AI_ENTITY_PROBLEMS_PATH,
  AiEntityProblem,
  AiPolicyDocument,
} from '@internal/plugin-ai-tiles-common';
import { AiTilesApi } from './AiTilesApi';

/** Backend plugin id the client talks to (`/api/ai-tiles`). */
const BACKEND_PLUGIN_ID = 'ai-tiles';

function isPolicyDocument(value: unknown): value is AiPolicyDocument {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const { version, title, markdown } = value as Record<string, unknown>;
  return (
    typeof version === 'string' &&
    typeof title === 'string' &&
    typeof markdown === 'string'
  );
}

/**
 * {@link AiTilesApi} over HTTP: every call goes through `fetchApi` (which adds
 * the user's Backstage token) to the URL `discoveryApi` gives for `ai-tiles`.
 */
export class AiTilesClient implements AiTilesApi {
  private readonly discoveryApi: Pick<DiscoveryApi, 'getBaseUrl'>;
  private readonly fetchApi: Pick<FetchApi, 'fetch'>;

  constructor(options: {
    discoveryApi: Pick<DiscoveryApi, 'getBaseUrl'>;
    fetchApi: Pick<FetchApi, 'fetch'>;
  }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getPolicy(): Promise<AiPolicyDocument | undefined> {
    const baseUrl = await this.discoveryApi.getBaseUrl(BACKEND_PLUGIN_ID);
    const response = await this.fetchApi.fetch(`${baseUrl}/policy`, {
      headers: { Accept: 'application/json' },
    });
    if (response.status === 404) {
      return undefined;
    }
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    const body: unknown = await response.json();
    if (!isPolicyDocument(body)) {
      throw new Error(
        'The acceptable-use policy from the ai-tiles backend is malformed: expected { version, title, markdown }',
      );
    }
    return {
      version: body.version,
      title: body.title,
      markdown: body.markdown,
    };
  }

  async getMyEntityProblems(): Promise<AiEntityProblem[]> {
    const baseUrl = await this.discoveryApi.getBaseUrl('catalog');
    const response = await this.fetchApi.fetch(
      `${baseUrl}${AI_ENTITY_PROBLEMS_PATH}`,
      { headers: { Accept: 'application/json' } },
    );
    if (response.status === 404) {
      return [];
    }
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    const body = (await response.json()) as { items?: unknown };
    if (!Array.isArray(body?.items)) {
      throw new Error(
        'The AI entity problems from the catalog are malformed: expected { items: [] }',
      );
    }
    return body.items as AiEntityProblem[];
  }
}
