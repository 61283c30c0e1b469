import { useApi } from '@backstage/core-plugin-api';
import { AiEntityProblem } from '@internal/plugin-ai-tiles-common';
import useAsync from 'react-use/esm/useAsync';
import { aiTilesApiRef } from '../api';

/**
 * The signed-in user's broken AI entities. A failure here only hides the
 * hint: the tiles themselves do not depend on it.
 */
export function useEntityProblems(): AiEntityProblem[] {
  const api = useApi(aiTilesApiRef);
  const { value } = useAsync(
    () => api.getMyEntityProblems().catch(() => []),
    [api],
  );
  return value ?? [];
}
