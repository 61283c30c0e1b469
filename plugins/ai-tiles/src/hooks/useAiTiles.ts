import { configApiRef, useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import {
  AI_TILE_CATALOG_FIELDS,
  AI_TILE_CATALOG_FILTER,
  AiTile,
  parseAiTile,
} from '@internal/plugin-ai-tiles-common';
import { useMemo } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { buildTileViews, TileView } from '../lib/tileViews';

/** Config key of the Open Chat URL (frontend-visible). */
export const CHAT_URL_CONFIG_KEY = 'aiTiles.chat.url';

export interface AiTilesState {
  loading: boolean;
  error?: Error;
  /** Tiles in grid order (Open Chat first); empty while loading or on error. */
  views: TileView[];
  retry: () => void;
}

/**
 * Loads every AI tile with one catalog query (server-side filter on the AI
 * types, only the fields a tile needs). Entities that are not valid tiles are
 * dropped: the catalog already reports them as processing errors.
 */
export function useAiTiles(): AiTilesState {
  const catalogApi = useApi(catalogApiRef);
  const configApi = useApi(configApiRef);
  const chatUrl = configApi.getOptionalString(CHAT_URL_CONFIG_KEY);

  const { loading, error, value, retry } = useAsyncRetry(async () => {
    const { items } = await catalogApi.getEntities({
      filter: AI_TILE_CATALOG_FILTER,
      fields: AI_TILE_CATALOG_FIELDS,
    });
    const tiles: AiTile[] = [];
    for (const entity of items) {
      const result = parseAiTile(entity);
      if (result.ok) {
        tiles.push(result.tile);
      }
    }
    return tiles;
  }, [catalogApi]);

  const views = useMemo(
    () => (value ? buildTileViews(value, chatUrl) : []),
    [value, chatUrl],
  );

  return { loading, error, views, retry };
}
