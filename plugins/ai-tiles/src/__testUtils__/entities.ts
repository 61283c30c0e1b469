import { Entity } from '@backstage/catalog-model';
import {
  AiTile,
  ANNOTATION_CATEGORY,
  ANNOTATION_DIFY_APP,
  ANNOTATION_ICON,
  ANNOTATION_RUNNER,
} from '@internal/plugin-ai-tiles-common';

let counter = 0;
const uuid = () =>
  `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;

export interface AiEntityOptions {
  name: string;
  namespace?: string;
  title?: string;
  description?: string;
  tags?: string[];
  type?: 'ai-app' | 'ai-chat';
  runner?: 'dify' | 'link' | 'chat';
  category?: string;
  icon?: string;
  lifecycle?: string;
  owner?: string;
  launchUrl?: string;
  links?: { url: string; title?: string; type?: string }[];
}

/** A catalog entity that `parseAiTile` accepts (unless the options break it). */
export function aiEntity(options: AiEntityOptions): Entity {
  const type = options.type ?? 'ai-app';
  const runner = options.runner ?? (type === 'ai-chat' ? 'chat' : 'dify');
  const annotations: Record<string, string> = {
    [ANNOTATION_RUNNER]: runner,
  };
  if (runner === 'dify') {
    annotations[ANNOTATION_DIFY_APP] = uuid();
  }
  if (options.category) {
    annotations[ANNOTATION_CATEGORY] = options.category;
  }
  if (options.icon) {
    annotations[ANNOTATION_ICON] = options.icon;
  }
  const links = [...(options.links ?? [])];
  if (runner !== 'dify') {
    links.push({
      url: options.launchUrl ?? `https://${options.name}.example.com/`,
      title: 'Open',
      type: 'launch',
    });
  }
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: options.name,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      ...(options.title !== undefined ? { title: options.title } : {}),
      ...(options.description !== undefined
        ? { description: options.description }
        : {}),
      ...(options.tags ? { tags: options.tags } : {}),
      annotations,
      ...(links.length > 0 ? { links } : {}),
    },
    spec: {
      type,
      lifecycle: options.lifecycle ?? 'production',
      owner: options.owner ?? 'group:default/ai-team',
    },
  };
}

/** An AiTile built directly (bypassing `parseAiTile`), for component tests. */
export function aiTile(overrides: Partial<AiTile> & { name: string }): AiTile {
  const namespace = overrides.namespace ?? 'default';
  return {
    entityRef: `component:${namespace}/${overrides.name}`,
    namespace,
    type: 'ai-app',
    runner: 'dify',
    title: overrides.name,
    description: '',
    owner: 'group:default/ai-team',
    lifecycle: 'production',
    tags: [],
    links: [],
    ...overrides,
  };
}

/** The demo catalog in miniature: chat + apps in three categories. */
export const demoEntities: Entity[] = [
  aiEntity({
    name: 'contract-summarizer',
    title: 'Contract summarizer',
    description: 'Summarizes a contract: parties, term, termination.',
    tags: ['legal', 'contracts'],
    category: 'legal',
    icon: 'description',
    lifecycle: 'experimental',
    owner: 'group:default/legal',
  }),
  aiEntity({
    name: 'email-drafter',
    title: 'Email drafter',
    description: 'Drafts a clear, polite email from a few bullet points.',
    tags: ['email', 'writing'],
    category: 'writing',
    icon: 'email',
    owner: 'group:default/operations',
  }),
  aiEntity({
    name: 'open-chat',
    type: 'ai-chat',
    title: 'Open Chat',
    description: "Chat with the company's approved AI models.",
    tags: ['chat'],
    category: 'chat',
    icon: 'chat',
    launchUrl: 'https://chat.example.com/',
    owner: 'group:default/ai-admins',
  }),
  aiEntity({
    name: 'invoice-extractor',
    title: 'Invoice extractor',
    description: 'Extracts supplier, dates and amounts from an invoice.',
    tags: ['invoice', 'finance'],
    category: 'finance',
    icon: 'receipt',
    lifecycle: 'deprecated',
    owner: 'group:default/finance',
  }),
  aiEntity({
    name: 'translator',
    title: 'Translator',
    description: 'Translates text while keeping the tone.',
    tags: ['translation', 'language'],
    category: 'writing',
    icon: 'translate',
    runner: 'link',
    launchUrl: 'https://translate.example.com/',
    owner: 'group:default/operations',
  }),
];

/** A non-AI component: must never be queried or shown. */
export const serviceEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments-service', title: 'Payments service' },
  spec: {
    type: 'service',
    lifecycle: 'production',
    owner: 'group:default/payments',
  },
};
