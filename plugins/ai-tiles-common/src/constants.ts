/**
 * Catalog contract of the AI portal: the entity types, annotations and link types
 * that turn a catalog Component into an AI tile. See docs/ADDING_NEW_APP.md.
 */

/** Prefix of every AI portal annotation. */
export const AI_PORTAL_ANNOTATION_PREFIX = 'ai-portal/';

/** How a tile runs: `dify` (guided app in the portal), `link` (external page) or `chat` (Open WebUI). */
export const ANNOTATION_RUNNER = 'ai-portal/runner';
/** Dify app id (a UUID) of a `dify` tile. */
export const ANNOTATION_DIFY_APP = 'ai-portal/dify-app';
/** Category slug of a tile, used for the filter chips. */
export const ANNOTATION_CATEGORY = 'ai-portal/category';
/** Icon name of a tile, one of {@link AI_TILE_ICONS}. */
export const ANNOTATION_ICON = 'ai-portal/icon';

/** `spec.type` of a guided AI app. */
export const AI_APP_TYPE = 'ai-app';
/** `spec.type` of the Open Chat tile. */
export const AI_CHAT_TYPE = 'ai-chat';
/** Both catalog types that become tiles. */
export const AI_TILE_TYPES = [AI_APP_TYPE, AI_CHAT_TYPE] as const;
export type AiTileType = (typeof AI_TILE_TYPES)[number];

export const AI_RUNNERS = ['dify', 'link', 'chat'] as const;
export type AiRunner = (typeof AI_RUNNERS)[number];

/** `metadata.links[].type` of the link a `link` or `chat` tile opens. */
export const LAUNCH_LINK_TYPE = 'launch';

/** Lifecycles shown as a badge on a tile. */
export const AI_LIFECYCLES = [
  'experimental',
  'production',
  'deprecated',
] as const;
export type AiLifecycle = (typeof AI_LIFECYCLES)[number];

/**
 * Icons a tile may name in `ai-portal/icon`. The frontend maps each name to an
 * icon component; an unknown name is a catalog error rather than a blank tile.
 */
export const AI_TILE_ICONS = [
  'chat',
  'gavel',
  'description',
  'summarize',
  'email',
  'receipt',
  'translate',
  'assignment',
  'search',
  'code',
  'lightbulb',
  'school',
  'support',
  'analytics',
  'image',
  'mic',
  'security',
  'build',
] as const;
export type AiTileIcon = (typeof AI_TILE_ICONS)[number];

/** Limits that keep a tile readable and the page fast; longer values are catalog errors. */
export const AI_TILE_LIMITS = {
  title: 80,
  description: 2000,
  category: 40,
  links: 20,
  url: 2048,
} as const;

/** The catalog query the tiles page makes: only AI entities, only the fields a tile needs. */
export const AI_TILE_CATALOG_FILTER = AI_TILE_TYPES.map(type => ({
  kind: 'Component',
  'spec.type': type,
}));

export const AI_TILE_CATALOG_FIELDS = [
  'kind',
  'metadata.namespace',
  'metadata.name',
  'metadata.title',
  'metadata.description',
  'metadata.tags',
  'metadata.links',
  'metadata.annotations',
  'spec.type',
  'spec.owner',
  'spec.lifecycle',
];

/** Path, under the catalog backend, of the caller's AI entities that failed validation. */
export const AI_ENTITY_PROBLEMS_PATH = '/ai-tiles/problems';
