import { Config } from '@backstage/config';
import { AiPolicyDocument, isHttpUrl } from '@internal/plugin-ai-tiles-common';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

const DEFAULT_TITLE = 'Acceptable use of AI';
const MAX_POLICY_BYTES = 256 * 1024;
const MAX_VERSION_LENGTH = 100;

/**
 * Reads the acceptable-use policy named in `aiTiles.policy` once, at startup,
 * so a missing or unreadable file stops the backend with the config key to fix
 * instead of failing on an employee's first visit. Returns undefined when no
 * policy is configured.
 */
export async function loadPolicy(
  config: Config,
): Promise<AiPolicyDocument | undefined> {
  const policyConfig = config.getOptionalConfig('aiTiles.policy');
  if (!policyConfig) {
    return undefined;
  }
  const version = policyConfig.getString('version').trim();
  const title =
    policyConfig.getOptionalString('title')?.trim() || DEFAULT_TITLE;
  const path = resolve(policyConfig.getString('path'));
  if (!version) {
    throw new Error('aiTiles.policy.version must not be empty');
  }
  // Stored with every acceptance (a column of this width).
  if (version.length > MAX_VERSION_LENGTH) {
    throw new Error(
      `aiTiles.policy.version must be at most ${MAX_VERSION_LENGTH} characters`,
    );
  }

  let markdown: string;
  try {
    markdown = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(
      `aiTiles.policy.path: cannot read the policy file ${path} (${
        (error as NodeJS.ErrnoException).code ?? error
      })`,
    );
  }
  if (Buffer.byteLength(markdown) > MAX_POLICY_BYTES) {
    throw new Error(
      `aiTiles.policy.path: the policy file ${path} is larger than ${
        MAX_POLICY_BYTES / 1024
      } KiB`,
    );
  }
  if (!markdown.trim()) {
    throw new Error(`aiTiles.policy.path: the policy file ${path} is empty`);
  }
  return { version, title, markdown };
}

/**
 * Where employees read and accept the policy, for messages that leave the
 * portal (the gateway's refusal in a chat window): `aiTiles.policy.pageUrl`,
 * else the policy page at its default path under `app.baseUrl`.
 */
export function policyPageUrl(config: Config): string {
  const configured = config.getOptionalString('aiTiles.policy.pageUrl');
  if (configured === undefined) {
    const app = (config.getOptionalString('app.baseUrl') ?? '').replace(
      /\/+$/,
      '',
    );
    return `${app}/ai/policy`;
  }
  if (!isHttpUrl(configured)) {
    throw new Error('aiTiles.policy.pageUrl must be an absolute http(s) URL');
  }
  return configured;
}
