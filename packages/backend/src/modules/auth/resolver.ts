import { LoggerService } from '@backstage/backend-plugin-api';
import {
  Entity,
  RELATION_CHILD_OF,
  RELATION_MEMBER_OF,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  NotAllowedError,
  ServiceUnavailableError,
  isError,
} from '@backstage/errors';
import {
  AuthResolverContext,
  BackstageSignInResult,
  SignInInfo,
} from '@backstage/plugin-auth-node';
import { SignInPolicy } from './signInPolicy';

/** How many levels of parent groups are followed at most. */
const MAX_GROUP_DEPTH = 10;
/** How many group entities are looked up at most per sign-in. */
const MAX_GROUP_LOOKUPS = 50;

const lower = (value: string) => value.toLocaleLowerCase('en-US');

/** Messages shown to the employee on the sign-in page. Never include tokens. */
export const signInMessages = {
  noEmail: () =>
    'Your identity provider did not return a verified e-mail address for this account; the AI portal needs one to find your employee profile',
  noProfile: (email: string) =>
    `No employee profile found for ${email}; ask the AI platform team to add you to the catalog`,
  ambiguousProfile: (email: string) =>
    `Several employee profiles use ${email}; ask the AI platform team to fix the catalog`,
  notInAllowedGroup: (email: string) =>
    `${email} is not in a group allowed to use the AI portal`,
  catalogUnavailable: () =>
    'The employee directory could not be reached; try signing in again in a moment',
};

function relationTargets(entity: Entity, type: string): string[] {
  return (entity.relations ?? [])
    .filter(r => r.type === type && lower(r.targetRef).startsWith('group:'))
    .map(r => lower(r.targetRef));
}

/**
 * Returns true when one of `startGroups` or one of their ancestor groups
 * (followed through `childOf` relations) is in `allowed`.
 *
 * Group entities are looked up through the resolver context, so the check
 * uses the same catalog access as the sign-in itself. Breadth-first, bounded
 * in depth and number of lookups, cycle-safe; a group that can't be found
 * simply contributes no parents.
 */
async function isInAllowedGroup(options: {
  startGroups: string[];
  allowed: Set<string>;
  ctx: AuthResolverContext;
  logger: LoggerService;
}): Promise<boolean> {
  const { startGroups, allowed, ctx, logger } = options;
  const seen = new Set<string>();
  let level = Array.from(new Set(startGroups));
  let lookups = 0;

  for (let depth = 0; depth <= MAX_GROUP_DEPTH && level.length; depth++) {
    if (level.some(ref => allowed.has(ref))) {
      return true;
    }
    level.forEach(ref => seen.add(ref));
    if (depth === MAX_GROUP_DEPTH) {
      break;
    }

    const next = new Set<string>();
    for (const ref of level) {
      if (lookups >= MAX_GROUP_LOOKUPS) {
        logger.warn(
          `Sign-in group check stopped after ${MAX_GROUP_LOOKUPS} group lookups`,
        );
        return false;
      }
      lookups += 1;
      let group: Entity;
      try {
        ({ entity: group } = await ctx.findCatalogUser({ entityRef: ref }));
      } catch (error) {
        if (isError(error) && error.name === 'NotFoundError') {
          continue; // dangling membership: no parents to follow
        }
        throw error;
      }
      for (const parent of relationTargets(group, RELATION_CHILD_OF)) {
        if (!seen.has(parent)) {
          next.add(parent);
        }
      }
    }
    level = Array.from(next);
  }
  return false;
}

/**
 * The AI portal's sign-in resolver.
 *
 * 1. requires a (verified) e-mail in the profile;
 * 2. finds the catalog User entity whose `spec.profile.email` is that e-mail
 *    (the catalog compares case-insensitively; the e-mail is lower-cased);
 * 3. admits the user only if they are a member of one of the allowed groups,
 *    directly or through parent groups (an empty list admits every user);
 * 4. issues the Backstage identity with the default ownership refs.
 *
 * Runs on every sign-in and on every session refresh, so removing an employee
 * from the catalog or from the allowed groups takes effect at the next refresh.
 */
export function createAiPortalSignInResolver(options: {
  policy: SignInPolicy;
  logger: LoggerService;
}) {
  const { policy, logger } = options;
  const allowed = new Set(policy.allowedGroups);

  return async (
    info: SignInInfo<unknown>,
    ctx: AuthResolverContext,
  ): Promise<BackstageSignInResult> => {
    const rawEmail = info.profile.email?.trim();
    if (!rawEmail) {
      logger.info('AI portal sign-in refused: no verified e-mail in profile');
      throw new NotAllowedError(signInMessages.noEmail());
    }
    const email = lower(rawEmail);

    let user: Entity;
    try {
      ({ entity: user } = await ctx.findCatalogUser({
        filter: { kind: 'User', 'spec.profile.email': email },
      }));
    } catch (error) {
      if (isError(error) && error.name === 'NotFoundError') {
        logger.info(`AI portal sign-in refused for ${email}: no User entity`);
        throw new NotAllowedError(signInMessages.noProfile(email));
      }
      if (isError(error) && error.name === 'ConflictError') {
        logger.warn(
          `AI portal sign-in refused for ${email}: several User entities have this e-mail`,
        );
        throw new NotAllowedError(signInMessages.ambiguousProfile(email));
      }
      logger.error(
        `AI portal sign-in for ${email} failed: catalog lookup error`,
        isError(error) ? error : undefined,
      );
      throw new ServiceUnavailableError(signInMessages.catalogUnavailable());
    }

    const userRef = lower(stringifyEntityRef(user));
    const { ownershipEntityRefs } = await ctx.resolveOwnershipEntityRefs(user);

    if (allowed.size > 0) {
      const directGroups = [
        ...relationTargets(user, RELATION_MEMBER_OF),
        ...ownershipEntityRefs
          .map(lower)
          .filter(ref => ref.startsWith('group:')),
      ];
      let admitted: boolean;
      try {
        admitted = await isInAllowedGroup({
          startGroups: directGroups,
          allowed,
          ctx,
          logger,
        });
      } catch (error) {
        logger.error(
          `AI portal sign-in for ${email} failed: group lookup error`,
          isError(error) ? error : undefined,
        );
        throw new ServiceUnavailableError(signInMessages.catalogUnavailable());
      }
      if (!admitted) {
        logger.info(
          `AI portal sign-in refused for ${email} (${userRef}): not in an allowed group`,
        );
        throw new NotAllowedError(signInMessages.notInAllowedGroup(email));
      }
    }

    return ctx.issueToken({
      claims: {
        sub: stringifyEntityRef(user),
        ent: ownershipEntityRefs,
      },
    });
  };
}
