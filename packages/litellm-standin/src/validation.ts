import { z } from 'zod';
import { type ValidationIssue, validationError } from './errors';

/**
 * Request validation with pydantic-style 422 bodies (`{"detail":[{type, loc, msg, input}]}`), the
 * FastAPI default every route in LiteLLM's OpenAPI lists as `HTTPValidationError`.
 */

function zodTypeName(expected: string): string {
  switch (expected) {
    case 'number':
      return 'float';
    case 'integer':
      return 'int';
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    case 'array':
      return 'list';
    case 'object':
      return 'dict';
    default:
      return expected;
  }
}

function toIssue(
  issue: z.ZodIssue,
  where: 'body' | 'query',
  input: unknown,
): ValidationIssue {
  const loc = [where, ...issue.path];
  let value: unknown = input;
  for (const p of issue.path) {
    value =
      value && typeof value === 'object'
        ? (value as Record<string | number, unknown>)[p]
        : undefined;
  }
  switch (issue.code) {
    case 'invalid_enum_value': {
      const options = issue.options.map(o => `'${String(o)}'`);
      const last = options.pop();
      return {
        type: 'enum',
        loc,
        msg: `Input should be ${
          options.length ? `${options.join(', ')} or ${last}` : last
        }`,
        input: value,
      };
    }
    case 'invalid_type':
      if (issue.received === 'undefined') {
        return {
          type: 'missing',
          loc,
          msg: 'Field required',
          input: value ?? null,
        };
      }
      return {
        type: `${zodTypeName(issue.expected)}_type`,
        loc,
        msg: `Input should be a valid ${
          zodTypeName(issue.expected) === 'float'
            ? 'number'
            : zodTypeName(issue.expected)
        }`,
        input: value,
      };
    case 'too_big':
      return {
        type: 'less_than_equal',
        loc,
        msg: `Input should be less than or equal to ${issue.maximum}`,
        input: value,
      };
    case 'too_small':
      return {
        type: 'greater_than_equal',
        loc,
        msg: `Input should be greater than or equal to ${issue.minimum}`,
        input: value,
      };
    default:
      return { type: 'value_error', loc, msg: issue.message, input: value };
  }
}

export function parseBody<T extends z.ZodTypeAny>(
  schema: T,
  body: unknown,
): z.infer<T> {
  const input = body === undefined ? {} : body;
  const result = schema.safeParse(input);
  if (!result.success) {
    throw validationError(
      result.error.issues.map(i => toIssue(i, 'body', input)),
    );
  }
  return result.data;
}

export function parseQuery<T extends z.ZodTypeAny>(
  schema: T,
  query: URLSearchParams,
): z.infer<T> {
  const input: Record<string, string> = {};
  for (const [k, v] of query.entries()) input[k] = v;
  const result = schema.safeParse(input);
  if (!result.success) {
    throw validationError(
      result.error.issues.map(i => toIssue(i, 'query', input)),
    );
  }
  return result.data;
}

/** Optional numeric query parameter with bounds, like `Query(1, ge=1, le=100)`. */
export function intQuery(def: number, min: number, max?: number) {
  let n = z.coerce.number().int().min(min);
  if (max !== undefined) n = n.max(max);
  return z.preprocess(v => (v === undefined || v === '' ? def : v), n);
}

export const nullableNumber = z.number().nullish();
export const nullableInt = z.number().int().nullish();
export const nullableString = z.string().nullish();
export const nullableStringList = z.array(z.string()).nullish();
export const jsonObject = z.record(z.unknown());

export const USER_ROLES = [
  'proxy_admin',
  'proxy_admin_viewer',
  'internal_user',
  'internal_user_viewer',
] as const;
export const userRole = z.enum(USER_ROLES);
