import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/**
 * Debian's Chromium, headless, driven over the DevTools protocol on a pipe (no extra package):
 * it loads a page, records every request THE PAGE makes (Network.requestWillBeSent on the
 * page's own session, so the browser's own background traffic, which no flag fully silences,
 * is not mistaken for the page's), takes a screenshot and reads back the DOM it built.
 */

/** The Chromium binary; a clear error, never a skip, when it is missing. */
export function chromiumPath(): string {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error('Chromium is not installed: `apt-get update && apt-get install -y chromium` (.ci/run installs it in CI). The HTML report test needs a real browser.');
}

/** What a page did in the browser. */
export interface RenderedPage {
  /** URLs of every request the page made, the document itself first. */
  requests: string[];
  /** A PNG of the viewport. */
  screenshot: Buffer;
  /** The DOM after load, serialised. */
  dom: string;
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--hide-scrollbars',
  '--remote-debugging-pipe',
];

/** Loads `url` at `width`×`height` in a fresh profile; every other request goes to `proxy`. */
export async function renderPage(url: string, options: { width: number; height: number; proxy: string; timeoutMs?: number }): Promise<RenderedPage> {
  const profile = mkdtempSync(join(tmpdir(), 'kw-chromium-'));
  const child = spawn(chromiumPath(), [...FLAGS, `--user-data-dir=${profile}`, `--proxy-server=${options.proxy}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
    // Its own process group, so the browser's helper processes can be stopped with it.
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')).slice(-4000));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cdp = new PipeSession(child.stdio[3] as Writable, child.stdio[4] as Readable);
  const killAll = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(killAll, options.timeoutMs ?? 90_000);
  try {
    const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: Array<{ targetId: string; type: string }> };
    const page = targetInfos.find((t) => t.type === 'page');
    if (!page) throw new Error('chromium opened no page');
    const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: page.targetId, flatten: true })) as { sessionId: string };
    const requests: string[] = [];
    cdp.on('Network.requestWillBeSent', sessionId, (params) => requests.push((params as { request: { url: string } }).request.url));
    await cdp.send('Network.enable', {}, sessionId);
    await cdp.send('Page.enable', {}, sessionId);
    await cdp.send('Emulation.setDeviceMetricsOverride', { width: options.width, height: options.height, deviceScaleFactor: 1, mobile: false }, sessionId);
    const loaded = cdp.once('Page.loadEventFired', sessionId);
    await cdp.send('Page.navigate', { url }, sessionId);
    await loaded;
    // Let anything the load triggered start, so it would be seen.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { data } = (await cdp.send('Page.captureScreenshot', { format: 'png' }, sessionId)) as { data: string };
    const { root } = (await cdp.send('DOM.getDocument', { depth: -1 }, sessionId)) as { root: { nodeId: number } };
    const { outerHTML } = (await cdp.send('DOM.getOuterHTML', { nodeId: root.nodeId }, sessionId)) as { outerHTML: string };
    await cdp.send('Browser.close').catch(() => undefined);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    return { requests, screenshot: Buffer.from(data, 'base64'), dom: outerHTML };
  } catch (error) {
    throw new Error(`chromium: ${(error as Error).message}; its stderr ends: ${stderr.slice(-1500)}`, { cause: error });
  } finally {
    clearTimeout(timer);
    killAll();
    await exited;
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}

type Listener = (params: unknown) => void;

/** The DevTools protocol over Chromium's pipe: JSON messages ended by a NUL byte. */
class PipeSession {
  private nextId = 1;
  private buffer = '';
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly listeners = new Map<string, Listener[]>();

  constructor(
    private readonly input: Writable,
    output: Readable,
  ) {
    output.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      let end;
      while ((end = this.buffer.indexOf('\0')) >= 0) {
        const message = JSON.parse(this.buffer.slice(0, end)) as { id?: number; method?: string; params?: unknown; sessionId?: string; result?: unknown; error?: { message: string } };
        this.buffer = this.buffer.slice(end + 1);
        if (message.id !== undefined) {
          const waiter = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.error) waiter?.reject(new Error(message.error.message));
          else waiter?.resolve(message.result);
        } else if (message.method) {
          for (const listener of this.listeners.get(`${message.sessionId ?? ''}/${message.method}`) ?? []) listener(message.params);
        }
      }
    });
    output.on('close', () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('chromium closed the pipe'));
      this.pending.clear();
    });
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  on(method: string, sessionId: string, listener: Listener): void {
    const key = `${sessionId}/${method}`;
    this.listeners.set(key, [...(this.listeners.get(key) ?? []), listener]);
  }

  once(method: string, sessionId: string): Promise<unknown> {
    return new Promise((resolve) => this.on(method, sessionId, resolve));
  }
}

/** A loopback HTTP server that records every request it gets. */
export interface RecordingServer {
  url: string;
  port: number;
  requests: string[];
  close(): Promise<void>;
}

/** Serves `pages` (path to HTML) and records every request, served or not. */
export async function recordingServer(pages: Record<string, string>): Promise<RecordingServer> {
  const requests: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    requests.push(`${req.method} ${req.url}`);
    const page = req.url ? pages[req.url] : undefined;
    if (page === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  // As a proxy it gets CONNECT for https: refuse, so nothing leaves the machine.
  server.on('connect', (req, socket) => {
    requests.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
