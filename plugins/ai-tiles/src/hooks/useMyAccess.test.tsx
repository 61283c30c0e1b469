import { TestApiProvider } from '@backstage/frontend-test-utils';
import { AiAccessSummary } from '@internal/plugin-ai-tiles-common';
import { act, renderHook, waitFor } from '@testing-library/react';
import { ReactNode } from 'react';
import {
  mockAiTilesApi,
  policyRequiredSummary,
  readySummary,
} from '../__testUtils__/access';
import { AiTilesApi, aiTilesApiRef } from '../api';
import { useMyAccess } from './useMyAccess';

function setup(getMyAccess: AiTilesApi['getMyAccess']) {
  const api = mockAiTilesApi({ getMyAccess });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <TestApiProvider apis={[[aiTilesApiRef, api]]}>{children}</TestApiProvider>
  );
  return renderHook(() => useMyAccess(), { wrapper });
}

/** A promise to resolve or reject from the test. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('useMyAccess', () => {
  it('loads the summary', async () => {
    const { result } = setup(async () => readySummary());
    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(result.current.summary?.status).toBe('ready');
    expect(result.current.error).toBeUndefined();
  });

  it('keeps the summary while reloading and reports a failed reload', async () => {
    const second = deferred<AiAccessSummary>();
    const getMyAccess = jest
      .fn()
      .mockResolvedValueOnce(readySummary())
      .mockReturnValueOnce(second.promise);
    const { result } = setup(getMyAccess);
    await waitFor(() => expect(result.current.summary).toBeDefined());

    act(() => result.current.reload());
    expect(result.current.loading).toBe(true);
    expect(result.current.summary?.status).toBe('ready');

    await act(async () => second.reject(new Error('LiteLLM is down')));
    expect(result.current.loading).toBe(false);
    expect(result.current.error?.message).toBe('LiteLLM is down');
    expect(result.current.summary?.status).toBe('ready');
  });

  it('never lets an older load overwrite an update', async () => {
    const slow = deferred<AiAccessSummary>();
    const { result } = setup(() => slow.promise);
    act(() => result.current.update(readySummary()));
    expect(result.current.summary?.status).toBe('ready');

    await act(async () => slow.resolve(policyRequiredSummary()));
    expect(result.current.summary?.status).toBe('ready');
    expect(result.current.loading).toBe(false);
  });
});
