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
    ).rejects.toThrow(
      'The list of AI entity problems from the catalog is malformed (items)',
    );
    // An item without its errors would break the panel that lists them.
    await expect(
      setup(
        jsonResponse(200, {
          items: [{ entityRef: 'component:default/x', owner: 'group:a' }],
        }),
      ).client.getMyEntityProblems(),
    ).rejects.toThrow('malformed (items.0.errors)');
  });
});

const readySummary = {
  status: 'ready',
  user: { entityRef: 'user:default/jane.doe', email: 'jane@example.com' },
  policy: {
    version: '2026-11',
    title: 'Acceptable use of AI',
    acceptedVersion: '2026-11',
    acceptedAt: '2026-11-03T10:00:00.000Z',
    accepted: true,
  },
  budget: {
    currency: 'USD',
    maxBudget: 50,
    spend: 12.34,
    budgetDuration: '1mo',
    resetAt: '2026-12-01T00:00:00.000Z',
    forecast: 30,
  },
  key: {
    masked: 'sk-...a1b2',
    alias: 'portal:user:default/jane.doe',
    createdAt: '2026-11-03T10:00:01.000Z',
    rotatedAt: null,
  },
  apiBaseUrl: 'https://llm.example.com/v1',
};

const unavailable = () =>
  jsonResponse(503, {
    error: { name: 'ServiceUnavailableError', message: 'LiteLLM is down' },
    request: { method: 'GET', url: '/api/ai-tiles/me/access' },
    response: { statusCode: 503 },
  });

describe('AiTilesClient.getMyAccess', () => {
  it('GETs /me/access from the ai-tiles backend and validates it', async () => {
    const { client, fetch, getBaseUrl } = setup(
      jsonResponse(200, { ...readySummary, extra: 'dropped' }),
    );
    await expect(client.getMyAccess()).resolves.toEqual(readySummary);
    expect(getBaseUrl).toHaveBeenCalledWith('ai-tiles');
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0][0]).toBe(`${BASE_URL}/me/access`);
    expect(fetch.mock.calls[0][1]?.method).toBe('GET');
    expect(fetch.mock.calls[0][1]?.body).toBeUndefined();
  });

  it('accepts the not-configured summary without budget or key', async () => {
    const summary = {
      status: 'not-configured',
      missingConfig: ['aiTiles.litellm.baseUrl'],
      user: { entityRef: 'user:default/jane.doe' },
      policy: { version: '1', title: 'Policy', accepted: false },
    };
    const { client } = setup(jsonResponse(200, summary));
    await expect(client.getMyAccess()).resolves.toEqual(summary);
  });

  it('rejects a malformed body, naming the fields but not their values', async () => {
    const { client } = setup(
      jsonResponse(200, {
        ...readySummary,
        status: 'bogus',
        budget: { ...readySummary.budget, spend: 'sk-secret' },
      }),
    );
    const error = await client.getMyAccess().catch(e => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ResponseError);
    expect(error.message).toMatch(/AI access summary .* is malformed/);
    expect(error.message).toContain('status');
    expect(error.message).toContain('budget.spend');
    expect(error.message).not.toContain('sk-secret');
  });

  it('rejects a body that is not JSON', async () => {
    const { client } = setup(
      new Response('<html>proxy error</html>', { status: 200 }),
    );
    await expect(client.getMyAccess()).rejects.toThrow(/malformed: not JSON/);
  });

  it("keeps the backend's message of a 503", async () => {
    const { client } = setup(unavailable());
    const error = await client.getMyAccess().catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(503);
    expect(error.cause.message).toBe('LiteLLM is down');
  });
});

describe('AiTilesClient.acceptPolicy', () => {
  it('POSTs the version as JSON and returns the new summary', async () => {
    const { client, fetch } = setup(jsonResponse(200, readySummary));
    await expect(client.acceptPolicy('2026-11')).resolves.toEqual(readySummary);
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe(`${BASE_URL}/me/policy/accept`);
    expect(init?.method).toBe('POST');
    expect(JSON.parse(String(init?.body))).toEqual({ version: '2026-11' });
    expect((init?.headers as Record<string, string>)['Content-Type']).toBe(
      'application/json',
    );
  });

  it('rejects a 409 (policy changed) as a ResponseError', async () => {
    const { client } = setup(
      jsonResponse(409, {
        error: { name: 'ConflictError', message: 'Policy version changed' },
        response: { statusCode: 409 },
      }),
    );
    const error = await client.acceptPolicy('old').catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(409);
  });

  it('rejects a malformed summary', async () => {
    const { client } = setup(jsonResponse(200, { status: 'ready' }));
    await expect(client.acceptPolicy('2026-11')).rejects.toThrow(/malformed/);
  });
});

describe('AiTilesClient.revealKey', () => {
  it('POSTs /me/key/reveal and returns the raw key', async () => {
    const { client, fetch } = setup(jsonResponse(200, { key: 'sk-raw-1234' }));
    await expect(client.revealKey()).resolves.toBe('sk-raw-1234');
    expect(fetch.mock.calls[0][0]).toBe(`${BASE_URL}/me/key/reveal`);
    expect(fetch.mock.calls[0][1]?.method).toBe('POST');
  });

  it('rejects a 403 and a malformed body', async () => {
    const forbidden = await setup(
      jsonResponse(403, {
        error: { name: 'NotAllowedError', message: 'Accept the policy first' },
        response: { statusCode: 403 },
      }),
    )
      .client.revealKey()
      .catch(e => e);
    expect(forbidden).toBeInstanceOf(ResponseError);
    expect(forbidden.statusCode).toBe(403);

    await expect(
      setup(jsonResponse(200, { token: 'sk-raw' })).client.revealKey(),
    ).rejects.toThrow(/revealed API key .* is malformed \(key\)/);
  });
});

describe('AiTilesClient.rotateKey', () => {
  it('POSTs /me/key/rotate and returns the summary with the new key', async () => {
    const rotated = {
      ...readySummary,
      key: {
        ...readySummary.key,
        masked: 'sk-...z9y8',
        rotatedAt: '2026-11-20T09:00:00.000Z',
      },
    };
    const { client, fetch } = setup(jsonResponse(200, rotated));
    await expect(client.rotateKey()).resolves.toEqual(rotated);
    expect(fetch.mock.calls[0][0]).toBe(`${BASE_URL}/me/key/rotate`);
    expect(fetch.mock.calls[0][1]?.method).toBe('POST');
  });

  it('rejects a 502 with the backend message', async () => {
    const { client } = setup(
      jsonResponse(502, {
        error: { name: 'Error', message: 'LiteLLM answered 500' },
        response: { statusCode: 502 },
      }),
    );
    const error = await client.rotateKey().catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.cause.message).toBe('LiteLLM answered 500');
  });

  it('rejects a malformed summary', async () => {
    const { client } = setup(jsonResponse(200, []));
    await expect(client.rotateKey()).rejects.toThrow(/malformed \(\(body\)\)/);
  });
});
