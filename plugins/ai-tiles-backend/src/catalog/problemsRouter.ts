import {
  HttpAuthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  AI_ENTITY_PROBLEMS_PATH,
  AiEntityProblemsResponse,
} from '@internal/plugin-ai-tiles-common';
import express from 'express';
import Router from 'express-promise-router';
import { EntityProblemsStore } from './EntityProblemsStore';

/**
 * `GET /api/catalog/ai-tiles/problems`: the signed-in user's AI entities
 * (owned by them or one of their groups) that the catalog refuses, with the
 * errors to fix. Nobody sees other teams' problems here.
 */
export function createProblemsRouter(options: {
  store: EntityProblemsStore;
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
}): express.Router {
  const { store, httpAuth, userInfo } = options;
  const router = Router();
  router.get(AI_ENTITY_PROBLEMS_PATH, async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const { ownershipEntityRefs } = await userInfo.getUserInfo(credentials);
    const body: AiEntityProblemsResponse = {
      items: await store.listForOwners(ownershipEntityRefs),
    };
    res.json(body);
  });
  return router;
}
