import { useApi } from '@backstage/core-plugin-api';
import { AiAccessSummary } from '@internal/plugin-ai-tiles-common';
import { useCallback, useEffect, useRef, useState } from 'react';
import { aiTilesApiRef } from '../api';

export interface MyAccessState {
  /** True while a load is in flight (also during a reload that keeps `summary`). */
  loading: boolean;
  /** The last load's error; cleared by the next successful load or update. */
  error?: Error;
  /** The latest summary; kept while reloading so the page does not flash. */
  summary?: AiAccessSummary;
  /** Loads the summary again. */
  reload: () => void;
  /**
   * Replaces the summary with one a call returned (policy accepted, key
   * rotated). Responses of loads started earlier are then ignored.
   */
  update: (summary: AiAccessSummary) => void;
}

/**
 * The signed-in employee's AI access (`GET /me/access`), with reload and
 * update. Only the newest request's answer is applied, so a slow load can
 * never overwrite a summary that a later call returned.
 */
export function useMyAccess(): MyAccessState {
  const api = useApi(aiTilesApiRef);
  const [state, setState] = useState<{
    loading: boolean;
    error?: Error;
    summary?: AiAccessSummary;
  }>({ loading: true });
  const generation = useRef(0);

  const reload = useCallback(() => {
    const current = ++generation.current;
    setState(prev => ({ loading: true, summary: prev.summary }));
    api.getMyAccess().then(
      summary => {
        if (current === generation.current) {
          setState({ loading: false, summary });
        }
      },
      (error: unknown) => {
        if (current === generation.current) {
          setState(prev => ({
            loading: false,
            summary: prev.summary,
            error: error instanceof Error ? error : new Error(String(error)),
          }));
        }
      },
    );
  }, [api]);

  useEffect(() => {
    reload();
    return () => {
      // Ignore answers that arrive after unmount.
      generation.current += 1;
    };
  }, [reload]);

  const update = useCallback((summary: AiAccessSummary) => {
    generation.current += 1;
    setState({ loading: false, summary });
  }, []);

  return { ...state, reload, update };
}
