import { ResponseError } from '@backstage/errors';
import { AiAccessSummary } from '@internal/plugin-ai-tiles-common';
import { AiTilesApi } from '../api';

export const POLICY_TITLE = 'Acceptable use of AI';

type Budget = NonNullable<AiAccessSummary['budget']>;

/** A `ready` summary: policy accepted, key issued, $12.34 of $50.00 used. */
export function readySummary(
  overrides: Partial<Omit<AiAccessSummary, 'budget'>> & {
    budget?: Partial<Budget> | null;
  } = {},
): AiAccessSummary {
  const { budget, ...rest } = overrides;
  return {
    status: 'ready',
    user: {
      entityRef: 'user:default/jane.doe',
      email: 'jane.doe@example.com',
      displayName: 'Jane Doe',
    },
    policy: {
      version: '2026-11',
      title: POLICY_TITLE,
      acceptedVersion: '2026-11',
      acceptedAt: '2026-11-03T12:00:00.000Z',
      accepted: true,
    },
    budget:
      budget === null
        ? undefined
        : {
            currency: 'USD',
            maxBudget: 50,
            spend: 12.34,
            budgetDuration: '1mo',
            resetAt: '2026-12-01T00:00:00.000Z',
            forecast: 30,
            ...budget,
          },
    key: {
      masked: 'sk-...a1b2',
      alias: 'portal:user:default/jane.doe',
      createdAt: '2026-11-03T12:00:01.000Z',
      rotatedAt: null,
    },
    apiBaseUrl: 'https://llm.example.com/v1',
    ...rest,
  };
}

/** A `policy-required` summary: no key yet. */
export function policyRequiredSummary(
  overrides: Partial<AiAccessSummary['policy']> = {},
): AiAccessSummary {
  return {
    status: 'policy-required',
    user: { entityRef: 'user:default/jane.doe' },
    policy: {
      version: '2026-11',
      title: POLICY_TITLE,
      accepted: false,
      ...overrides,
    },
  };
}

/** A `not-configured` summary. */
export function notConfiguredSummary(
  missingConfig: string[] = [
    'aiTiles.litellm.baseUrl',
    'aiTiles.litellm.masterKey',
  ],
): AiAccessSummary {
  return {
    status: 'not-configured',
    missingConfig,
    user: { entityRef: 'user:default/jane.doe' },
    policy: { version: '2026-11', title: POLICY_TITLE, accepted: false },
  };
}

/** A `ResponseError` as the client throws it for a Backstage error body. */
export async function responseError(
  statusCode: number,
  message: string,
  name = 'Error',
): Promise<ResponseError> {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name, message },
        request: { method: 'GET', url: '/api/ai-tiles/me/access' },
        response: { statusCode },
      }),
      { status: statusCode, headers: { 'Content-Type': 'application/json' } },
    ),
  );
}

/**
 * An {@link AiTilesApi} of jest mocks: no policy problems, a policy document,
 * and a `not-configured` access summary unless overridden.
 */
export function mockAiTilesApi(
  overrides: Partial<AiTilesApi> = {},
): jest.Mocked<AiTilesApi> {
  return {
    getPolicy: jest.fn(async () => ({
      version: '2026-11',
      title: POLICY_TITLE,
      markdown: 'Be **careful**.',
    })),
    getMyEntityProblems: jest.fn(async () => []),
    getMyAccess: jest.fn(async () => notConfiguredSummary()),
    acceptPolicy: jest.fn(async () => readySummary()),
    revealKey: jest.fn(async () => 'sk-raw-secret-key-1234'),
    rotateKey: jest.fn(async () => readySummary()),
    ...overrides,
  } as jest.Mocked<AiTilesApi>;
}

/** An API call the backend refuses with this status and message. */
export const refused = (status: number, message: string) =>
  jest.fn(async () => {
    throw await responseError(status, message);
  });
