import { NotFoundError } from '@backstage/errors';
import { AiPolicyDocument } from '@internal/plugin-ai-tiles-common';
import express from 'express';
import Router from 'express-promise-router';

export interface RouterOptions {
  policy?: AiPolicyDocument;
}

/**
 * Routes of the ai-tiles backend plugin, mounted at /api/ai-tiles. Errors
 * thrown here become Backstage JSON errors through the backend's error handler.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { policy } = options;
  const router = Router();
  router.use(express.json());

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/policy', (_req, res) => {
    if (!policy) {
      throw new NotFoundError(
        'No acceptable-use policy is configured (aiTiles.policy)',
      );
    }
    res.json(policy);
  });

  return router;
}
