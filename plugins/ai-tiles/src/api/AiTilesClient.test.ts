import { ResponseError } from '@backstage/errors';
import { AiTilesClient } from './AiTilesClient';

const BASE_URL = 'http://localhost:7007/api/ai-tiles';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

function setup(response: Response) {
  const fetch = jest.fn(async (_url: string, _init?: RequestInit) => response);
  const getBaseUrl = jest.fn(async (_pluginId: string) => BASE_URL);
  const client = new AiTilesClient({
    discoveryApi: { getBaseUrl },
    fetchApi: { fetch: fetch as unknown as typeof globalThis.fetch },
  });
  return { client, fetch, getBaseUrl };
}

describe('AiTilesClient.getPolicy', () => {
  it('fetches the policy from the ai-tiles backend through fetchApi', async () => {
    const policy = {
      version: '2026-11',
      title: 'Use AI well',
      markdown: '# Hi',
    };
    const { client, fetch, getBaseUrl } = setup(jsonResponse(200, policy));

    await expect(client.getPolicy()).resolves.toEqual(policy);
    expect(getBaseUrl).toHaveBeenCalledWith('ai-tiles');
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0][0]).toBe(`${BASE_URL}/policy`);
  });

  it('returns undefined when no policy is configured (404)', async () => {
    const { client } = setup(
      jsonResponse(404, {
        error: { name: 'NotFoundError', message: 'No policy' },
        response: { statusCode: 404 },
      }),
    );
    await expect(client.getPolicy()).resolves.toBeUndefined();
  });

  it('maps other failures to a ResponseError', async () => {
    const { client } = setup(
      jsonResponse(500, {
        error: { name: 'Error', message: 'database is down' },
        request: { method: 'GET', url: '/api/ai-tiles/policy' },
        response: { statusCode: 500 },
      }),
    );
    const error = await client.getPolicy().catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(500);
    expect(error.cause.message).toBe('database is down');
  });

  it('rejects a malformed policy document', async () => {
    const { client } = setup(jsonResponse(200, { version: 1, markdown: [] }));
    await expect(client.getPolicy()).rejects.toThrow(/malformed/);
  });
});

describe('AiTilesClient.getMyEntityProblems', () => {
  const problem = {
    entityRef: 'component:default/broken',
    owner: 'group:default/legal',
    errors: ['metadata.title: must be plain text, without < or >'],
  };

  it("asks the catalog backend for the caller's problems", async () => {
    const { client, fetch, getBaseUrl } = setup(
      jsonResponse(200, { items: [problem] }),
    );
    await expect(client.getMyEntityProblems()).resolves.toEqual([problem]);
    expect(getBaseUrl).toHaveBeenCalledWith('catalog');
    expect(fetch.mock.calls[0][0]).toBe(`${BASE_URL}/ai-tiles/problems`);
  });

  it('is empty when the catalog runs without the ai-tiles module', async () => {
    const { client } = setup(
      jsonResponse(404, {
        error: { name: 'NotFoundError', message: 'Not found' },
      }),
    );
    await expect(client.getMyEntityProblems()).resolves.toEqual([]);
  });

  it('rejects errors and malformed bodies', async () => {
    await expect(
      setup(
        jsonResponse(500, { error: { name: 'Error', message: 'boom' } }),
      ).client.getMyEntityProblems(),
    ).rejects.toBeInstanceOf(ResponseError);
    await expect(
      setup(jsonResponse(200, { rows: [] })).client.getMyEntityProblems(),
    ).rejects.toThrow('expected { items: [] }');
  });
});
