import { randomUUID } from 'node:crypto';
import type { Reply, RequestCtx, RouteDef } from '../http';
import { badRequest, type CallSpec, preCall, runModelCall } from '../modelCall';
import { checkModelMode } from '../models';

/**
 * `/images/generations`: every image is the same 1×1 PNG, as `b64_json` or as a URL the stand-in
 * serves itself (`GET /__standin/images/<name>.png`, no key needed). Cost = n ×
 * `output_cost_per_image` (size and quality are not priced). No `usage`.
 */

/** A valid 1×1 transparent PNG. */
export const STANDIN_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

const MAX_IMAGES = 10;

async function imageGenerations(ctx: RequestCtx): Promise<Reply> {
  const { app } = ctx;
  const { body, model } = preCall(ctx);
  checkModelMode(model, 'image_generation', ctx.path);
  if (typeof body.prompt !== 'string' || body.prompt === '') {
    throw badRequest("Invalid 'prompt': expected a non-empty string.");
  }
  const n = body.n ?? 1;
  if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > MAX_IMAGES) {
    throw badRequest(
      `Invalid 'n': expected an integer from 1 to ${MAX_IMAGES}.`,
    );
  }
  const format = body.response_format ?? 'url';
  if (format !== 'url' && format !== 'b64_json') {
    throw badRequest(
      "Invalid 'response_format': expected 'url' or 'b64_json'.",
    );
  }
  const count = n as number;
  const output = count * (model.model_info?.output_cost_per_image ?? 0);
  const spec: CallSpec = {
    callType: 'aimage_generation',
    requestId: randomUUID(),
    promptTokens: 0,
    completionTokens: 0,
    cost: { input: 0, output, total: output },
  };
  return runModelCall(ctx, model, body, spec, call => {
    if (call.failure) throw call.fail();
    call.succeed();
    const host = ctx.req.headers.host ?? '127.0.0.1';
    return {
      body: {
        created: Math.floor(app.clock.now().getTime() / 1000),
        data: Array.from({ length: count }, (_, i) =>
          format === 'b64_json'
            ? { b64_json: STANDIN_PNG.toString('base64') }
            : {
                url: `http://${host}/__standin/images/${spec.requestId}-${i}.png`,
              },
        ),
      },
      headers: call.headers(),
    };
  });
}

export const imageRoutes: RouteDef[] = [
  {
    method: 'POST',
    path: '/images/generations',
    access: 'llm',
    handler: imageGenerations,
  },
  {
    method: 'POST',
    path: '/v1/images/generations',
    access: 'llm',
    handler: imageGenerations,
  },
  {
    method: 'GET',
    path: '/__standin/images/:name',
    access: 'public',
    handler: ctx => {
      ctx.res.writeHead(200, {
        'content-type': 'image/png',
        'content-length': STANDIN_PNG.length,
      });
      ctx.res.end(STANDIN_PNG);
    },
  },
];
