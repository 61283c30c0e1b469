import { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  AiPolicyDocument,
  RevealKeyResponse,
  acceptPolicyRequestSchema,
} from '@internal/plugin-ai-tiles-common';
import express from 'express';
import Router from 'express-promise-router';
import { AccessService } from './service/access/AccessService';

export interface RouterOptions {
  policy?: AiPolicyDocument;
  /** The employee API (`/me/*`); omitted in tests of the policy route only. */
  access?: AccessService;
  httpAuth?: HttpAuthService;
  /** The OpenAI-compatible gateway, mounted at /gateway/v1. */
  gateway?: express.Router;
}

/**
 * Routes of the ai-tiles backend plugin, mounted at /api/ai-tiles. Errors
 * thrown here become Backstage JSON errors through the backend's error handler.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { policy, access, httpAuth, gateway } = options;
  const router = Router();
  // Before the JSON parser: the gateway reads its bodies itself.
  if (gateway) router.use('/gateway/v1', gateway);
  router.use(express.json({ limit: '16kb' }));

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

  if (access && httpAuth) {
    /** The signed-in employee (users only: 401 for service tokens). */
    const caller = async (req: express.Request) => {
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      return credentials.principal.userEntityRef.toLocaleLowerCase('en-US');
    };

    // Personal data and, for reveal, a secret: never stored by caches.
    router.use('/me', (_req, res, next) => {
      res.setHeader('Cache-Control', 'no-store');
      next();
    });

    router.get('/me/access', async (req, res) => {
      const userRef = await caller(req);
      res.json(await access.getSummary(userRef, { request: req }));
    });

    router.post('/me/policy/accept', async (req, res) => {
      const userRef = await caller(req);
      const parsed = acceptPolicyRequestSchema.safeParse(req.body ?? {});
      if (!parsed.success) {
        throw new InputError(
          `Invalid request body: ${parsed.error.issues
            .map(i => `${i.path.join('.') || '(body)'}: ${i.message}`)
            .join('; ')}`,
        );
      }
      res.json(
        await access.acceptPolicy(userRef, parsed.data.version, {
          request: req,
        }),
      );
    });

    // The key is always the caller's own: there is no user parameter.
    router.post('/me/key/reveal', async (req, res) => {
      const userRef = await caller(req);
      const body: RevealKeyResponse = {
        key: await access.revealKey(userRef, { request: req }),
      };
      res.json(body);
    });

    router.post('/me/key/rotate', async (req, res) => {
      const userRef = await caller(req);
      res.json(await access.rotateKey(userRef, { request: req }));
    });
  }

  return router;
}
