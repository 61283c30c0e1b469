import { mockApis, TestApiProvider } from '@backstage/frontend-test-utils';
import { act, renderHook, waitFor } from '@testing-library/react';
import { ReactNode } from 'react';
import {
  FAVOURITES_KEY,
  LOAD_WAIT_MS,
  PREFERENCES_BUCKET,
  RECENTLY_USED_KEY,
  useTilePreferences,
} from './useTilePreferences';

function setup(storage = mockApis.storage()) {
  const errorApi = mockApis.error({ collect: true });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <TestApiProvider apis={[storage, errorApi]}>{children}</TestApiProvider>
  );
  const hook = renderHook(() => useTilePreferences(), { wrapper });
  return {
    ...hook,
    storage,
    errorApi,
    bucket: storage.forBucket(PREFERENCES_BUCKET),
  };
}

/**
 * Storage as the user-settings one behaves: nothing is known until its
 * backend answers, which `answer` does for one key.
 */
function storageAnsweringLater() {
  const storage = mockApis.storage();
  const bucket = storage.forBucket(PREFERENCES_BUCKET);
  const observers = new Map<string, (value: unknown) => void>();
  jest
    .spyOn(bucket, 'snapshot')
    .mockImplementation(key => ({ key, presence: 'unknown' }));
  jest.spyOn(bucket, 'observe$').mockImplementation(
    key =>
      ({
        subscribe: ({ next }: { next: (s: unknown) => void }) => {
          observers.set(key, value =>
            next({ key, presence: 'present', value }),
          );
          return { unsubscribe() {}, closed: false };
        },
      } as any),
  );
  return {
    storage,
    set: jest.spyOn(bucket, 'set'),
    answer: (key: string, value: string[]) => observers.get(key)?.(value),
  };
}

describe('useTilePreferences', () => {
  it('starts from what is stored for the user', async () => {
    const storage = mockApis.storage();
    await storage
      .forBucket(PREFERENCES_BUCKET)
      .set(FAVOURITES_KEY, ['component:default/a', 42, 'component:default/a']);
    const { result } = setup(storage);
    expect(result.current.favourites).toEqual(['component:default/a']);
    expect(result.current.recentlyUsed).toEqual([]);
  });

  it('toggles favourites and persists them in the ai-tiles bucket', async () => {
    const { result, bucket } = setup();
    act(() => result.current.toggleFavourite('component:default/a'));
    act(() => result.current.toggleFavourite('component:default/b'));
    expect(result.current.favourites).toEqual([
      'component:default/a',
      'component:default/b',
    ]);
    await waitFor(() =>
      expect(bucket.snapshot(FAVOURITES_KEY).value).toEqual([
        'component:default/a',
        'component:default/b',
      ]),
    );

    act(() => result.current.toggleFavourite('component:default/a'));
    await waitFor(() =>
      expect(bucket.snapshot(FAVOURITES_KEY).value).toEqual([
        'component:default/b',
      ]),
    );
    expect(result.current.favourites).toEqual(['component:default/b']);
  });

  it('records recently used tiles, most recent first, at most six', async () => {
    const { result, bucket } = setup();
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'c']) {
      act(() => result.current.recordOpened(`component:default/${name}`));
    }
    const expected = ['c', 'g', 'f', 'e', 'd', 'b'].map(
      n => `component:default/${n}`,
    );
    expect(result.current.recentlyUsed).toEqual(expected);
    await waitFor(() =>
      expect(bucket.snapshot(RECENTLY_USED_KEY).value).toEqual(expected),
    );
  });

  it('follows changes made elsewhere (observe$)', async () => {
    const { result, bucket } = setup();
    await act(() => bucket.set(FAVOURITES_KEY, ['component:default/x']));
    expect(result.current.favourites).toEqual(['component:default/x']);
  });

  it('keeps the callbacks stable across renders', () => {
    const { result, rerender } = setup();
    const first = result.current;
    act(() => result.current.toggleFavourite('component:default/a'));
    rerender();
    expect(result.current.toggleFavourite).toBe(first.toggleFavourite);
    expect(result.current.recordOpened).toBe(first.recordOpened);
  });

  it('applies changes made before the stored list is known on top of it', async () => {
    const { storage, set, answer } = storageAnsweringLater();
    const { result } = setup(storage);

    act(() => result.current.recordOpened('component:default/new'));
    act(() => result.current.toggleFavourite('component:default/star'));
    // Shown at once, written only once the stored lists are known.
    expect(result.current.recentlyUsed).toEqual(['component:default/new']);
    expect(result.current.favourites).toEqual(['component:default/star']);
    expect(set).not.toHaveBeenCalled();

    act(() => {
      answer(RECENTLY_USED_KEY, ['component:default/old']);
      answer(FAVOURITES_KEY, ['component:default/fav']);
    });
    expect(result.current.recentlyUsed).toEqual([
      'component:default/new',
      'component:default/old',
    ]);
    expect(result.current.favourites).toEqual([
      'component:default/fav',
      'component:default/star',
    ]);
    expect(set).toHaveBeenCalledWith(RECENTLY_USED_KEY, [
      'component:default/new',
      'component:default/old',
    ]);
    expect(set).toHaveBeenCalledWith(FAVOURITES_KEY, [
      'component:default/fav',
      'component:default/star',
    ]);
    expect(set).toHaveBeenCalledTimes(2);
  });

  it('a star clicked before the stored list is known stars the tile, even if it already was', async () => {
    const { storage, set, answer } = storageAnsweringLater();
    const { result } = setup(storage);

    // Shown unstarred while loading: the click means "star it".
    act(() => result.current.toggleFavourite('component:default/a'));
    act(() =>
      answer(FAVOURITES_KEY, ['component:default/a', 'component:default/b']),
    );
    expect(result.current.favourites).toEqual([
      'component:default/b',
      'component:default/a',
    ]);
    expect(set).toHaveBeenCalledWith(FAVOURITES_KEY, [
      'component:default/b',
      'component:default/a',
    ]);
  });

  it('takes back and reports a change when the stored list does not come', async () => {
    jest.useFakeTimers();
    try {
      // The user-settings backend is down: nothing is ever answered.
      const { storage, set } = storageAnsweringLater();
      const { result, errorApi } = setup(storage);

      act(() => result.current.toggleFavourite('component:default/a'));
      expect(result.current.favourites).toEqual(['component:default/a']);
      act(() => jest.advanceTimersByTime(LOAD_WAIT_MS - 1));
      expect(result.current.favourites).toEqual(['component:default/a']);
      act(() => jest.advanceTimersByTime(1));
      expect(result.current.favourites).toEqual([]);
      expect(set).not.toHaveBeenCalled();
      expect(errorApi.getErrors().map(e => e.error.message)).toEqual([
        'Your saved AI apps could not be loaded, so your change was not saved; try again in a moment',
      ]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('reverts and reports when the storage rejects a write', async () => {
    const storage = mockApis.storage();
    const bucket = storage.forBucket(PREFERENCES_BUCKET);
    jest.spyOn(bucket, 'set').mockRejectedValue(new Error('offline'));
    const { result, errorApi } = setup(storage);

    act(() => result.current.toggleFavourite('component:default/a'));
    expect(result.current.favourites).toEqual(['component:default/a']);
    await waitFor(() => expect(result.current.favourites).toEqual([]));
    expect(errorApi.getErrors().map(e => e.error.message)).toEqual(['offline']);
  });
});
