import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import busboy from 'busboy';
import { DetailError, validationError } from '../errors';
import type { Reply, RequestCtx, RouteDef } from '../http';
import { checkEndUserBudget, resolveEndUser } from '../limits';
import { badRequest, type CallSpec, preCall, runModelCall } from '../modelCall';
import { checkModelMode } from '../models';
import type { UploadRecord } from '../state';

/**
 * Audio routes.
 *
 * - `/audio/transcriptions`: `multipart/form-data` (`model`, `file`, optional `response_format`,
 *   `language`, `user`), parsed while it streams in: the file bytes are counted and dropped, never
 *   buffered. The upload is recorded in `uploads` (state, `/__standin/state`). Duration = bytes /
 *   16,000 s; cost = duration × `input_cost_per_second`.
 * - `/audio/speech`: JSON `{model, input, voice, response_format?}` → deterministic binary audio,
 *   1,000 bytes per input character (at least 1 KiB), written in several chunks; cost = characters ×
 *   `input_cost_per_character`.
 */

/** Assumed upload bit rate: 16,000 bytes of audio = 1 second (16 kHz, 8-bit mono). */
export const TRANSCRIPTION_BYTES_PER_SECOND = 16_000;
export const SPEECH_BYTES_PER_CHARACTER = 1_000;
export const SPEECH_MIN_BYTES = 1_024;

interface UploadedForm {
  fields: Record<string, string>;
  file?: {
    field: string;
    filename: string;
    contentType: string;
    bytes: number;
  };
}

function missingFile(): DetailError {
  return validationError([
    {
      type: 'missing',
      loc: ['body', 'file'],
      msg: 'Field required',
      input: null,
    },
  ]);
}

/** Streams the multipart body through busboy, counting the `file` part's bytes as they arrive. */
function readMultipart(req: IncomingMessage): Promise<UploadedForm> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers });
    } catch {
      // Not multipart: FastAPI finds no `file` form field.
      req.resume();
      reject(missingFile());
      return;
    }
    const form: UploadedForm = { fields: {} };
    parser.on('field', (name, value) => {
      form.fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || form.file) {
        stream.resume();
        return;
      }
      const file = {
        field: name,
        filename: info.filename || 'upload',
        contentType: info.mimeType,
        bytes: 0,
      };
      form.file = file;
      stream.on('data', (chunk: Buffer) => {
        file.bytes += chunk.length;
      });
    });
    parser.on('finish', () => resolve(form));
    parser.on('error', () => {
      req.unpipe(parser);
      req.resume();
      reject(new DetailError(400, 'There was an error parsing the body'));
    });
    req.on('close', () => {
      if (!req.complete)
        reject(new DetailError(400, 'There was an error parsing the body'));
    });
    req.pipe(parser);
  });
}

/** `00:00:01,500` (SRT) or `00:00:01.500` (WebVTT). */
function timestamp(seconds: number, separator: ',' | '.'): string {
  const ms = Math.round(seconds * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(
    Math.floor(ms / 60_000) % 60,
  )}:${pad(Math.floor(ms / 1000) % 60)}${separator}${pad(ms % 1000, 3)}`;
}

const TRANSCRIPTION_FORMATS = ['json', 'text', 'srt', 'verbose_json', 'vtt'];

async function audioTranscriptions(ctx: RequestCtx): Promise<Reply | void> {
  const { app } = ctx;
  const form = await readMultipart(ctx.req);
  const { fields, file } = form;
  if (!file) throw missingFile();
  const upload: UploadRecord = {
    request_id: null,
    route: ctx.path,
    model: fields.model ?? null,
    field: file.field,
    filename: file.filename,
    content_type: file.contentType,
    bytes: file.bytes,
    received_at: app.nowIso(),
  };
  app.state.addUpload(upload);
  // The form may name the end user (`user`); header-named end users were checked before.
  const endUser = resolveEndUser(app, ctx.req.headers, fields);
  if (endUser !== ctx.endUser) {
    ctx.endUser = endUser;
    checkEndUserBudget(app, endUser);
  }
  const { model } = preCall(ctx, fields);
  checkModelMode(model, 'audio_transcription', ctx.path);
  const format = fields.response_format ?? 'json';
  if (!TRANSCRIPTION_FORMATS.includes(format)) {
    throw badRequest(
      `Invalid 'response_format': expected one of ${TRANSCRIPTION_FORMATS.join(
        ', ',
      )}.`,
    );
  }
  const seconds = file.bytes / TRANSCRIPTION_BYTES_PER_SECOND;
  const input = seconds * (model.model_info?.input_cost_per_second ?? 0);
  const spec: CallSpec = {
    callType: 'atranscription',
    requestId: randomUUID(),
    promptTokens: 0,
    completionTokens: 0,
    cost: { input, output: 0, total: input },
  };
  return runModelCall(ctx, model, fields, spec, call => {
    upload.request_id = spec.requestId;
    if (call.failure) throw call.fail();
    call.succeed();
    const text = `Stand-in transcription of ${file.filename} (${file.bytes} bytes)`;
    if (format === 'json') return { body: { text }, headers: call.headers() };
    if (format === 'verbose_json') {
      return {
        body: {
          task: 'transcribe',
          language: fields.language ?? 'english',
          duration: seconds,
          text,
          segments: [],
        },
        headers: call.headers(),
      };
    }
    let payload = text;
    if (format === 'srt')
      payload = `1\n${timestamp(0, ',')} --> ${timestamp(
        seconds,
        ',',
      )}\n${text}\n\n`;
    if (format === 'vtt')
      payload = `WEBVTT\n\n${timestamp(0, '.')} --> ${timestamp(
        seconds,
        '.',
      )}\n${text}\n\n`;
    ctx.res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(payload),
      ...call.headers(),
    });
    ctx.res.end(payload);
    return undefined;
  });
}

const SPEECH_TYPES: Record<string, string> = {
  mp3: 'audio/mpeg',
  opus: 'audio/opus',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/pcm',
};

/**
 * Writes `size` bytes cycling through `pattern`, in at least four chunks of at most 64 KiB,
 * waiting for `drain` when the socket is full. Stops when the client goes away.
 */
async function writePattern(
  res: ServerResponse,
  pattern: Buffer,
  size: number,
): Promise<void> {
  const chunkSize = Math.min(64 * 1024, Math.ceil(size / 4));
  let closed = false;
  let wake: (() => void) | undefined;
  const onClose = () => {
    closed = true;
    wake?.();
  };
  // Resolves on `drain`, or at once when the client goes away.
  const drained = () =>
    new Promise<void>(resolve => {
      const done = () => {
        res.off('drain', done);
        wake = undefined;
        resolve();
      };
      wake = done;
      res.on('drain', done);
    });
  res.on('close', onClose);
  try {
    for (let offset = 0; offset < size && !closed; offset += chunkSize) {
      const shift = offset % pattern.length;
      const rotated = Buffer.concat([
        pattern.subarray(shift),
        pattern.subarray(0, shift),
      ]);
      const chunk = Buffer.alloc(Math.min(chunkSize, size - offset), rotated);
      if (!res.write(chunk)) await drained();
    }
    if (!closed) res.end();
  } finally {
    res.off('close', onClose);
  }
}

async function audioSpeech(ctx: RequestCtx): Promise<Reply | void> {
  const { body, model } = preCall(ctx);
  checkModelMode(model, 'audio_speech', ctx.path);
  if (typeof body.input !== 'string' || body.input === '') {
    throw badRequest("Invalid 'input': expected a non-empty string.");
  }
  if (typeof body.voice !== 'string' || body.voice === '') {
    throw badRequest("Invalid 'voice': expected a voice name.");
  }
  const format = body.response_format ?? 'mp3';
  const contentType =
    typeof format === 'string' ? SPEECH_TYPES[format] : undefined;
  if (!contentType) {
    throw badRequest(
      `Invalid 'response_format': expected one of ${Object.keys(
        SPEECH_TYPES,
      ).join(', ')}.`,
    );
  }
  // Python's len(): code points, not UTF-16 units.
  const characters = [...body.input].length;
  const input = characters * (model.model_info?.input_cost_per_character ?? 0);
  const spec: CallSpec = {
    callType: 'aspeech',
    requestId: randomUUID(),
    promptTokens: 0,
    completionTokens: 0,
    cost: { input, output: 0, total: input },
  };
  const pattern = createHash('sha256')
    .update(`${model.model_name}\u0000${body.voice}\u0000${body.input}`)
    .digest();
  const size = Math.max(
    SPEECH_MIN_BYTES,
    characters * SPEECH_BYTES_PER_CHARACTER,
  );
  return runModelCall(ctx, model, body, spec, async call => {
    if (call.failure) throw call.fail();
    call.succeed();
    ctx.res.writeHead(200, { 'content-type': contentType, ...call.headers() });
    await writePattern(ctx.res, pattern, size);
    return undefined;
  });
}

export const audioRoutes: RouteDef[] = [
  {
    method: 'POST',
    path: '/audio/transcriptions',
    access: 'llm',
    body: 'stream',
    handler: audioTranscriptions,
  },
  {
    method: 'POST',
    path: '/v1/audio/transcriptions',
    access: 'llm',
    body: 'stream',
    handler: audioTranscriptions,
  },
  {
    method: 'POST',
    path: '/audio/speech',
    access: 'llm',
    handler: audioSpeech,
  },
  {
    method: 'POST',
    path: '/v1/audio/speech',
    access: 'llm',
    handler: audioSpeech,
  },
];
