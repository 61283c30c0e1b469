import {
  DEFAULT_NAMESPACE,
  Entity,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { z } from 'zod';
import {
  AI_LIFECYCLES,
  AI_PORTAL_ANNOTATION_PREFIX,
  AI_RUNNERS,
  AI_TILE_ICONS,
  AI_TILE_LIMITS,
  AI_TILE_TYPES,
  AiRunner,
  AiTileIcon,
  AiTileType,
  ANNOTATION_CATEGORY,
  ANNOTATION_DIFY_APP,
  ANNOTATION_ICON,
  ANNOTATION_RUNNER,
  AI_CHAT_TYPE,
  LAUNCH_LINK_TYPE,
} from './constants';
import { isHttpUrl } from './url';

/** A link shown on a tile or app page; always http(s). */
export interface AiTileLink {
  url: string;
  title?: string;
  type?: string;
  icon?: string;
}

/** What the portal renders for one AI entity. */
export interface AiTile {
  /** `component:<namespace>/<name>`, lower-case. */
  entityRef: string;
  namespace: string;
  name: string;
  type: AiTileType;
  runner: AiRunner;
  title: string;
  description: string;
  category?: string;
  icon?: AiTileIcon;
  /** Owner entity ref as written in `spec.owner`. */
  owner: string;
  lifecycle: string;
  tags: string[];
  /** The URL a `link` or `chat` tile opens. */
  launchUrl?: string;
  /** Dify app id of a `dify` tile. */
  difyAppId?: string;
  links: AiTileLink[];
}

export type AiTileParseResult =
  | { ok: true; tile: AiTile }
  | { ok: false; entityRef: string; errors: string[] };

const CATEGORY_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const UUID_PATTERN =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Titles are plain text: markup in a title is an authoring mistake or an attack.
const MARKUP_PATTERN = /[<>]/;

const oneOf = (values: readonly string[]) =>
  `must be one of ${values.join(', ')}`;

const annotation = (key: string) => `metadata.annotations["${key}"]`;

const linkSchema = z.object({
  url: z
    .string()
    .max(AI_TILE_LIMITS.url, `must be at most ${AI_TILE_LIMITS.url} characters`)
    .refine(isHttpUrl, 'must be an absolute http(s) URL'),
  title: z
    .string()
    .max(AI_TILE_LIMITS.title * 2)
    .optional(),
  type: z.string().optional(),
  icon: z.string().optional(),
});

const entitySchema = z.object({
  kind: z.literal('Component', {
    errorMap: () => ({ message: 'AI tiles must be of kind Component' }),
  }),
  metadata: z.object({
    namespace: z.string().optional(),
    name: z.string(),
    title: z
      .string()
      .max(
        AI_TILE_LIMITS.title,
        `must be at most ${AI_TILE_LIMITS.title} characters`,
      )
      .refine(
        t => !MARKUP_PATTERN.test(t),
        'must be plain text, without < or >',
      )
      .optional(),
    description: z
      .string()
      .max(
        AI_TILE_LIMITS.description,
        `must be at most ${AI_TILE_LIMITS.description} characters`,
      )
      .optional(),
    tags: z.array(z.string()).optional(),
    links: z
      .array(linkSchema)
      .max(AI_TILE_LIMITS.links, `at most ${AI_TILE_LIMITS.links} links`)
      .optional(),
    annotations: z.record(z.string()).optional(),
  }),
  spec: z.object({
    type: z.enum(AI_TILE_TYPES, {
      errorMap: () => ({ message: oneOf(AI_TILE_TYPES) }),
    }),
    owner: z.string({ required_error: 'is required' }).min(1, 'is required'),
    lifecycle: z.enum(AI_LIFECYCLES, {
      errorMap: () => ({ message: oneOf(AI_LIFECYCLES) }),
    }),
  }),
});

const annotationsSchema = z.object({
  [ANNOTATION_RUNNER]: z.enum(AI_RUNNERS, {
    errorMap: () => ({ message: `is required and ${oneOf(AI_RUNNERS)}` }),
  }),
  [ANNOTATION_DIFY_APP]: z
    .string()
    .regex(UUID_PATTERN, 'must be a Dify app id (a UUID)')
    .optional(),
  [ANNOTATION_CATEGORY]: z
    .string()
    .max(
      AI_TILE_LIMITS.category,
      `must be at most ${AI_TILE_LIMITS.category} characters`,
    )
    .regex(
      CATEGORY_PATTERN,
      'must be a lower-case slug such as "legal" or "document-tools"',
    )
    .optional(),
  [ANNOTATION_ICON]: z
    .enum(AI_TILE_ICONS, {
      errorMap: () => ({ message: oneOf(AI_TILE_ICONS) }),
    })
    .optional(),
});

function formatIssues(issues: z.ZodIssue[], prefix: string[] = []): string[] {
  return issues.map(issue => {
    const path = [...prefix, ...issue.path.map(String)];
    const [head, ...rest] = path;
    const where =
      head === 'metadata.annotations'
        ? annotation(rest.join('.'))
        : path.reduce((acc, part) =>
            /^\d+$/.test(part) ? `${acc}[${part}]` : `${acc}.${part}`,
          );
    return `${where}: ${issue.message}`;
  });
}

function entityRefOf(entity: Entity): string {
  try {
    return stringifyEntityRef(entity).toLocaleLowerCase('en-US');
  } catch {
    return '<unnamed entity>';
  }
}

/** True when the entity is meant to be an AI tile (a Component of an AI type). */
export function isAiTileEntity(entity: Entity): boolean {
  const type = entity.spec?.type;
  return (
    entity.kind?.toLocaleLowerCase('en-US') === 'component' &&
    typeof type === 'string' &&
    (AI_TILE_TYPES as readonly string[]).includes(type)
  );
}

/**
 * Maps a catalog entity to a tile, or explains in one message per problem why
 * it cannot be one. The catalog processor and the frontend use the same rules,
 * so an entity the catalog accepts always renders, and nothing else does.
 */
export function parseAiTile(entity: Entity): AiTileParseResult {
  const entityRef = entityRefOf(entity);
  const base = entitySchema.safeParse(entity);
  const annotations = annotationsSchema.safeParse(
    entity.metadata?.annotations ?? {},
  );
  const errors = [
    ...(base.success ? [] : formatIssues(base.error.issues)),
    ...(annotations.success
      ? []
      : formatIssues(annotations.error.issues, ['metadata.annotations'])),
  ];
  if (!base.success || !annotations.success) {
    return { ok: false, entityRef, errors };
  }

  const { metadata, spec } = base.data;
  const runner = annotations.data[ANNOTATION_RUNNER];
  const difyAppId = annotations.data[ANNOTATION_DIFY_APP];
  const links = metadata.links ?? [];
  const launchLinks = links.filter(l => l.type === LAUNCH_LINK_TYPE);

  if (spec.type === AI_CHAT_TYPE && runner !== 'chat') {
    errors.push(
      `${annotation(
        ANNOTATION_RUNNER,
      )}: must be "chat" for spec.type ${AI_CHAT_TYPE}`,
    );
  }
  if (spec.type !== AI_CHAT_TYPE && runner === 'chat') {
    errors.push(
      `${annotation(
        ANNOTATION_RUNNER,
      )}: "chat" is only for spec.type ${AI_CHAT_TYPE}`,
    );
  }
  if (runner === 'dify' && !difyAppId) {
    errors.push(
      `${annotation(
        ANNOTATION_DIFY_APP,
      )}: is required when the runner is "dify"`,
    );
  }
  if (runner !== 'dify' && difyAppId) {
    errors.push(
      `${annotation(ANNOTATION_DIFY_APP)}: only applies to the "dify" runner`,
    );
  }
  if ((runner === 'link' || runner === 'chat') && launchLinks.length !== 1) {
    errors.push(
      `metadata.links: the "${runner}" runner needs exactly one link of type "${LAUNCH_LINK_TYPE}" (found ${launchLinks.length})`,
    );
  }
  if (errors.length > 0) {
    return { ok: false, entityRef, errors };
  }

  return {
    ok: true,
    tile: {
      entityRef,
      namespace: metadata.namespace ?? DEFAULT_NAMESPACE,
      name: metadata.name,
      type: spec.type,
      runner,
      title: metadata.title ?? metadata.name,
      description: metadata.description ?? '',
      category: annotations.data[ANNOTATION_CATEGORY],
      icon: annotations.data[ANNOTATION_ICON],
      owner: spec.owner,
      lifecycle: spec.lifecycle,
      tags: metadata.tags ?? [],
      launchUrl: launchLinks[0]?.url,
      difyAppId,
      links,
    },
  };
}

/**
 * The AI portal problems of any catalog entity; empty when there are none.
 * AI entities must be valid tiles; other entities must not carry `ai-portal/`
 * annotations (usually a typo in `spec.type`, which would hide the tile).
 */
export function validateAiEntity(entity: Entity): string[] {
  if (!isAiTileEntity(entity)) {
    const stray = Object.keys(entity.metadata?.annotations ?? {}).filter(key =>
      key.startsWith(AI_PORTAL_ANNOTATION_PREFIX),
    );
    return stray.length === 0
      ? []
      : [
          `${stray.join(
            ', ',
          )}: AI portal annotations only apply to kind Component with spec.type ${AI_TILE_TYPES.join(
            ' or ',
          )}`,
        ];
  }
  const result = parseAiTile(entity);
  return result.ok ? [] : result.errors;
}
