import {
  AI_CHAT_TYPE,
  AiTile,
  isHttpUrl,
} from '@internal/plugin-ai-tiles-common';
import { humanizeOwner } from './format';

/** Name of the Open Chat entity in the catalog; preferred when several chat entities exist. */
export const OPEN_CHAT_NAME = 'open-chat';

/** What the tiles page renders for one tile; computed once per catalog load. */
export interface TileView {
  /** Stable key: the entity ref. */
  key: string;
  tile: AiTile;
  /** The Open Chat tile: first in the grid and visually distinct. */
  isPrimaryChat: boolean;
  /** Shown from config only (there is no chat entity in the catalog). */
  isSynthetic: boolean;
  /**
   * The http(s) URL a `chat` or `link` tile opens in a new tab. Undefined for
   * `dify` tiles (they open a portal page) and for tiles without a valid URL
   * (those render disabled).
   */
  launchHref?: string;
  ownerLabel: string;
  /** Lower-cased title, description, tags and category, for instant search. */
  haystack: string;
}

/** Lower-cased text a tile is searched by: title, description, tags, category. */
export function buildHaystack(tile: AiTile): string {
  const parts = [tile.title, tile.description, ...tile.tags];
  if (tile.category) {
    parts.push(tile.category, tile.category.replace(/-/g, ' '));
  }
  return parts.join('\n').toLocaleLowerCase();
}

/** The Open Chat entity (`open-chat`), the one tile `aiTiles.chat.url` points elsewhere. */
const isOpenChat = (tile: AiTile): boolean =>
  tile.runner === 'chat' && tile.name === OPEN_CHAT_NAME;

/**
 * The URL a `chat`/`link` tile opens, if it is http(s); a `dify` tile has none.
 * For the Open Chat tile the configured chat URL (`aiTiles.chat.url`) wins
 * over the entity's launch link; other chat tiles (e.g. a team's chat with
 * its own model preset) keep theirs.
 */
export function launchHrefOf(
  tile: AiTile,
  chatUrlOverride?: string,
): string | undefined {
  if (tile.runner === 'dify') {
    return undefined;
  }
  if (isOpenChat(tile) && isHttpUrl(chatUrlOverride)) {
    return chatUrlOverride;
  }
  return isHttpUrl(tile.launchUrl) ? tile.launchUrl : undefined;
}

export function toTileView(
  tile: AiTile,
  options: {
    isPrimaryChat?: boolean;
    isSynthetic?: boolean;
    /** `aiTiles.chat.url`, already checked to be http(s). */
    chatUrl?: string;
  } = {},
): TileView {
  return {
    key: tile.entityRef,
    tile,
    isPrimaryChat: options.isPrimaryChat ?? false,
    isSynthetic: options.isSynthetic ?? false,
    launchHref: launchHrefOf(tile, options.chatUrl),
    ownerLabel: humanizeOwner(tile.owner),
    haystack: buildHaystack(tile),
  };
}

/** The Open Chat tile shown when `aiTiles.chat.url` is set but the catalog has no chat entity. */
export function syntheticChatTile(url: string): AiTile {
  return {
    entityRef: `component:default/${OPEN_CHAT_NAME}`,
    namespace: 'default',
    name: OPEN_CHAT_NAME,
    type: AI_CHAT_TYPE,
    runner: 'chat',
    title: 'Open Chat',
    description: "Chat with the company's approved AI models.",
    category: 'chat',
    icon: 'chat',
    owner: '',
    lifecycle: 'production',
    tags: ['chat'],
    launchUrl: url,
    links: [],
  };
}

const byTitle = (a: AiTile, b: AiTile) =>
  a.title.localeCompare(b.title, undefined, { sensitivity: 'base' }) ||
  a.entityRef.localeCompare(b.entityRef);

/**
 * The Open Chat tile's view: the `open-chat` entity (taken out of `chats`),
 * else a tile made from the configured chat URL, else the first chat tile
 * (taken out of `chats`).
 */
function takePrimaryChat(
  chats: AiTile[],
  configChatUrl: string | undefined,
): TileView | undefined {
  const openChatIndex = chats.findIndex(isOpenChat);
  if (openChatIndex < 0 && configChatUrl) {
    return toTileView(syntheticChatTile(configChatUrl), {
      isPrimaryChat: true,
      isSynthetic: true,
      chatUrl: configChatUrl,
    });
  }
  // The open-chat entity, else the first chat tile by title.
  const [primary] = chats.splice(openChatIndex < 0 ? 0 : openChatIndex, 1);
  return primary
    ? toTileView(primary, { isPrimaryChat: true, chatUrl: configChatUrl })
    : undefined;
}

/**
 * Orders parsed tiles for the grid (the Open Chat tile first, then other chat
 * tiles, then apps by title) and applies the chat URL from config. The Open
 * Chat tile is the `open-chat` entity; without one, a tile made from the
 * configured chat URL; without that either, the first chat tile by title.
 *
 * @param chatUrl - `aiTiles.chat.url`; ignored unless it is an http(s) URL.
 */
export function buildTileViews(tiles: AiTile[], chatUrl?: string): TileView[] {
  const configChatUrl = isHttpUrl(chatUrl) ? chatUrl : undefined;
  const chats = tiles.filter(t => t.type === AI_CHAT_TYPE).sort(byTitle);
  const apps = tiles.filter(t => t.type !== AI_CHAT_TYPE).sort(byTitle);

  const primary = takePrimaryChat(chats, configChatUrl);
  const rest = [...chats, ...apps].map(tile =>
    toTileView(tile, { chatUrl: configChatUrl }),
  );
  return primary ? [primary, ...rest] : rest;
}
