/*
 * Child processes of the gateway benchmark: started with a name and a log
 * file, all stopped on exit, on failure and on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';

const children = new Set();
/** Aborted on Ctrl-C / SIGTERM: the load loops stop at their next step. */
export const abort = new AbortController();
export function throwIfAborted() {
  if (abort.signal.aborted) throw new Error('aborted');
}
const cleanups = [];
let stopping;

export const sleep = ms => new Promise(r => setTimeout(r, ms));

/**
 * Starts `command args` with stdout and stderr appended to `logFile`
 * (or ignored). The child is stopped by stopAll().
 */
export function startChild(name, command, args, { logFile, ipc, ...options }) {
  const fd = logFile ? openSync(logFile, 'a') : 'ignore';
  const child = spawn(command, args, {
    ...options,
    stdio: ['ignore', fd, fd, ...(ipc ? ['ipc'] : [])],
  });
  if (typeof fd === 'number') closeSync(fd);
  child.benchName = name;
  child.logFile = logFile;
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/**
 * Last `lines` lines of a child's log, for error messages; without the
 * backend's per-request log lines, each cut to 800 characters.
 */
export function logTail(child, lines = 30) {
  if (!child?.logFile || !existsSync(child.logFile)) return '(no log)';
  const text = readFileSync(child.logFile, 'utf8')
    .trimEnd()
    .split('\n')
    .filter(line => !line.includes('"type":"incomingRequest"'));
  return text
    .slice(-lines)
    .map(line => (line.length > 800 ? `${line.slice(0, 800)} …` : line))
    .join('\n');
}

/** Whether the child's log contains `text` (e.g. a startup failure). */
export function logIncludes(child, text) {
  return Boolean(
    child?.logFile &&
      existsSync(child.logFile) &&
      readFileSync(child.logFile, 'utf8').includes(text),
  );
}

export class ChildFailedError extends Error {
  constructor(child, message) {
    super(
      `${message}\n--- last lines of the ${child.benchName} log (${
        child.logFile
      }) ---\n${logTail(child)}\n---`,
    );
  }
}

/** Waits for the child's first IPC message of the given type. */
export function nextMessage(child, type, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new ChildFailedError(child, `${child.benchName}: no ${type} message`),
      );
    }, timeoutMs);
    const onMessage = m => {
      if (m?.type === type) {
        cleanup();
        resolve(m);
      }
    };
    const onExit = code => {
      cleanup();
      reject(
        new ChildFailedError(child, `${child.benchName} exited (${code})`),
      );
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Polls `probe` until it returns a truthy value; fails fast when the child dies. */
export async function waitUntil(
  child,
  what,
  probe,
  timeoutMs,
  intervalMs = 250,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new ChildFailedError(
        child,
        `${child.benchName} exited (${
          child.exitCode ?? child.signalCode
        }) while waiting for ${what}`,
      );
    }
    const value = await probe().catch(error => {
      if (error instanceof ChildFailedError) throw error;
      return undefined;
    });
    if (value) return value;
    if (Date.now() > deadline) {
      throw new ChildFailedError(
        child,
        `${child.benchName}: ${what} not reached within ${Math.round(
          timeoutMs / 1000,
        )} s`,
      );
    }
    await sleep(intervalMs);
  }
}

/**
 * A port nothing listens on, below Linux's ephemeral range (32768+): a port
 * the kernel handed out could be taken by an outgoing connection before the
 * child binds it.
 */
export async function freePort() {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = net.createServer();
    const bound = await new Promise(resolve => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (bound) {
      await new Promise(r => server.close(r));
      return port;
    }
  }
}

/** Registers work to do after the children are stopped (drop databases, remove files). */
export function onCleanup(fn) {
  cleanups.push(fn);
}

async function stopChild(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise(r => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Stops every child (SIGTERM, SIGKILL after a grace period), then runs the cleanups. */
export function stopAll(timeoutMs = 15_000) {
  stopping ??= (async () => {
    await Promise.all([...children].map(c => stopChild(c, timeoutMs)));
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        console.error(`cleanup failed: ${error?.message ?? error}`);
      }
    }
  })();
  return stopping;
}

/** Ctrl-C / SIGTERM / a crash: stop everything, then exit. */
export function handleSignals() {
  for (const event of ['uncaughtException', 'unhandledRejection']) {
    process.once(event, error => {
      console.error(`\n${event}: ${error?.stack ?? error}`);
      stopAll().finally(() => process.exit(1));
    });
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the benchmark's processes`);
      abort.abort();
      stopAll(5000).finally(() => process.exit(130));
    });
  }
}
