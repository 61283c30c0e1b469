import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  AI_ENTITY_PROBLEMS_PATH,
  AiAccessSummary,
  aiAccessSummarySchema,
  AiEntityProblem,
  aiEntityProblemsResponseSchema,
  AiPolicyDocument,
  aiPolicyDocumentSchema,
  revealKeyResponseSchema,
} from '@internal/plugin-ai-tiles-common';
import { AiTilesApi } from './AiTilesApi';

/** Backend plugin id the client talks to (`/api/ai-tiles`). */
const BACKEND_PLUGIN_ID = 'ai-tiles';

/** What this client needs of a schema: zod's `safeParse`. */
interface Schema<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: { path: (string | number)[] }[] } };
}

/**
 * Validates a response body. The error names the offending fields only, never
 * their values: a body may hold a raw API key.
 *
 * @param what - the body and where it came from, e.g. `The revealed API key
 * from the ai-tiles backend`
 */
function parseBody<T>(what: string, schema: Schema<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) {
    return result.data;
  }
  const fields = [
    ...new Set(
      result.error.issues.map(issue => issue.path.join('.') || '(body)'),
    ),
  ];
  throw new Error(`${what} is malformed (${fields.join(', ')})`);
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
    const body = await this.getUnlessMissing(BACKEND_PLUGIN_ID, '/policy');
    return body === undefined
      ? undefined
      : parseBody(
          'The acceptable-use policy from the ai-tiles backend',
          aiPolicyDocumentSchema,
          body,
        );
  }

  async getMyEntityProblems(): Promise<AiEntityProblem[]> {
    const body = await this.getUnlessMissing(
      'catalog',
      AI_ENTITY_PROBLEMS_PATH,
    );
    return body === undefined
      ? []
      : parseBody(
          'The list of AI entity problems from the catalog',
          aiEntityProblemsResponseSchema,
          body,
        ).items;
  }

  async getMyAccess(): Promise<AiAccessSummary> {
    const body = await this.send('GET', '/me/access');
    return parseAccessSummary(body);
  }

  async acceptPolicy(version: string): Promise<AiAccessSummary> {
    const body = await this.send('POST', '/me/policy/accept', { version });
    return parseAccessSummary(body);
  }

  async revealKey(): Promise<string> {
    const body = await this.send('POST', '/me/key/reveal');
    return parseBody(
      'The revealed API key from the ai-tiles backend',
      revealKeyResponseSchema,
      body,
    ).key;
  }

  async rotateKey(): Promise<AiAccessSummary> {
    const body = await this.send('POST', '/me/key/rotate');
    return parseAccessSummary(body);
  }

  /**
   * A JSON GET of `path` from `pluginId`'s backend, or undefined for a 404
   * (no policy configured, the catalog module not installed).
   */
  private async getUnlessMissing(
    pluginId: string,
    path: string,
  ): Promise<unknown> {
    const baseUrl = await this.discoveryApi.getBaseUrl(pluginId);
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      headers: { Accept: 'application/json' },
    });
    if (response.status === 404) {
      return undefined;
    }
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return response.json();
  }

  /**
   * One JSON call to the ai-tiles backend. HTTP errors become a
   * `ResponseError` (carrying the backend's `{ error: { message } }`), a body
   * that is not JSON an `Error`.
   */
  private async send(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<unknown> {
    const baseUrl = await this.discoveryApi.getBaseUrl(BACKEND_PLUGIN_ID);
    const headers: Record<string, string> = { Accept: 'application/json' };
    const init: RequestInit = { method, headers };
    if (method === 'POST') {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body ?? {});
    }
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, init);
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    try {
      return await response.json();
    } catch {
      throw new Error(
        `The response of ${method} ${path} from the ai-tiles backend is malformed: not JSON`,
      );
    }
  }
}

function parseAccessSummary(body: unknown): AiAccessSummary {
  return parseBody(
    'The AI access summary from the ai-tiles backend',
    aiAccessSummarySchema,
    body,
  );
}
