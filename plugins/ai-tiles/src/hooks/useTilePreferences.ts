import {
  errorApiRef,
  storageApiRef,
  StorageApi,
  useApi,
} from '@backstage/core-plugin-api';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

/** Storage bucket of the portal's per-user tile preferences. */
export const PREFERENCES_BUCKET = 'ai-tiles';
/** Entity refs of the user's favourite tiles, in the order they were starred. */
export const FAVOURITES_KEY = 'favourites';
/** Entity refs of the tiles the user opened last, most recent first. */
export const RECENTLY_USED_KEY = 'recentlyUsed';
/** How many recently used tiles are kept. */
export const RECENTLY_USED_LIMIT = 6;
/**
 * How long a change made before the stored list is known waits for it;
 * then it is taken back and the user told (the storage may be down).
 */
export const LOAD_WAIT_MS = 10_000;

const EMPTY: readonly string[] = Object.freeze([]);

function toRefList(value: unknown): readonly string[] {
  if (!Array.isArray(value)) {
    return EMPTY;
  }
  const refs = value.filter((v): v is string => typeof v === 'string');
  return refs.length > 0 ? [...new Set(refs)] : EMPTY;
}

/**
 * A list of entity refs kept in the storage API: read from the snapshot,
 * updated live through `observe$` (other tabs, user-settings signals),
 * written optimistically so the UI answers at once.
 *
 * The user-settings storage knows nothing at first (its snapshot is
 * `unknown` until the backend answered). Changes made before then are shown
 * at once but written only once the stored list is known, applied on top of
 * it: writing earlier would replace the stored list with the change alone.
 * If the list does not come within {@link LOAD_WAIT_MS}, they are taken back
 * and reported rather than shown as saved.
 */
function useStoredRefList(
  bucket: StorageApi,
  key: string,
): [
  readonly string[],
  (update: (prev: readonly string[]) => string[]) => void,
] {
  const errorApi = useApi(errorApiRef);
  const [refs, setRefs] = useState<readonly string[]>(() =>
    toRefList(bucket.snapshot(key).value),
  );
  const current = useRef(refs);
  current.current = refs;
  // While our own writes are in flight the local value is the newest one;
  // observed values would only replay intermediate states.
  const pendingWrites = useRef(0);
  // Whether the stored value is known, and the changes waiting for it.
  const loaded = useRef(false);
  const waiting = useRef<Array<(prev: readonly string[]) => string[]>>([]);
  const waitTimer = useRef<ReturnType<typeof setTimeout>>();

  const write = useCallback(
    (previous: readonly string[], next: string[]) => {
      current.current = next;
      setRefs(next);
      pendingWrites.current += 1;
      bucket
        .set(key, next)
        .catch(error => {
          errorApi.post(error);
          if (current.current === next) {
            current.current = previous;
            setRefs(previous);
          }
        })
        .finally(() => {
          pendingWrites.current -= 1;
        });
    },
    [bucket, key, errorApi],
  );

  useEffect(() => {
    loaded.current = false;
    const known = (value: unknown) => {
      const stored = toRefList(value);
      const changes = waiting.current.splice(0);
      loaded.current = true;
      clearTimeout(waitTimer.current);
      if (changes.length > 0) {
        write(
          stored,
          changes.reduce<string[]>((prev, fn) => fn(prev), [...stored]),
        );
      } else if (pendingWrites.current === 0) {
        setRefs(stored);
      }
    };
    const snapshot = bucket.snapshot(key);
    if (snapshot.presence !== 'unknown') {
      known(snapshot.value);
    }
    const subscription = bucket.observe$(key).subscribe({
      next: next => {
        if (next.presence !== 'unknown') known(next.value);
      },
    });
    return () => {
      subscription.unsubscribe();
      clearTimeout(waitTimer.current);
    };
  }, [bucket, key, write]);

  const update = useCallback(
    (fn: (prev: readonly string[]) => string[]) => {
      if (!loaded.current) {
        if (waiting.current.length === 0) {
          const shownBefore = current.current;
          // Cleared once the stored list arrives (or on unmount).
          waitTimer.current = setTimeout(() => {
            waiting.current = [];
            current.current = shownBefore;
            setRefs(shownBefore);
            errorApi.post(
              new Error(
                'Your saved AI apps could not be loaded, so your change was not saved; try again in a moment',
              ),
            );
          }, LOAD_WAIT_MS);
        }
        waiting.current.push(fn);
        current.current = fn(current.current);
        setRefs(current.current);
        return;
      }
      write(current.current, fn(current.current));
    },
    [write, errorApi],
  );

  return [refs, update];
}

export interface TilePreferences {
  /** Favourite entity refs, in the order they were starred. */
  favourites: readonly string[];
  /** Recently opened entity refs, most recent first (at most {@link RECENTLY_USED_LIMIT}). */
  recentlyUsed: readonly string[];
  toggleFavourite: (entityRef: string) => void;
  recordOpened: (entityRef: string) => void;
}

/**
 * The user's favourite and recently used tiles, persisted per user through
 * the storage API (`storageApi.forBucket('ai-tiles')`; the app installs the
 * user-settings storage so they follow the user across browsers).
 * The returned callbacks are stable.
 */
export function useTilePreferences(): TilePreferences {
  const storageApi = useApi(storageApiRef);
  const bucket = useMemo(
    () => storageApi.forBucket(PREFERENCES_BUCKET),
    [storageApi],
  );
  const [favourites, updateFavourites] = useStoredRefList(
    bucket,
    FAVOURITES_KEY,
  );
  const [recentlyUsed, updateRecentlyUsed] = useStoredRefList(
    bucket,
    RECENTLY_USED_KEY,
  );

  // What the star showed when it was clicked decides between adding and
  // removing: a click queued before the stored list is known must not undo a
  // favourite the user could not see yet.
  const shownFavourites = useRef(favourites);
  shownFavourites.current = favourites;
  const toggleFavourite = useCallback(
    (entityRef: string) => {
      const add = !shownFavourites.current.includes(entityRef);
      updateFavourites(prev => {
        const rest = prev.filter(ref => ref !== entityRef);
        return add ? [...rest, entityRef] : rest;
      });
    },
    [updateFavourites],
  );

  const recordOpened = useCallback(
    (entityRef: string) =>
      updateRecentlyUsed(prev =>
        [entityRef, ...prev.filter(ref => ref !== entityRef)].slice(
          0,
          RECENTLY_USED_LIMIT,
        ),
      ),
    [updateRecentlyUsed],
  );

  return { favourites, recentlyUsed, toggleFavourite, recordOpened };
}
