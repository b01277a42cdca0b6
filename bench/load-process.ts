import { ChildProcess, fork } from 'node:child_process';
import { HttpClient, HttpResult, runPool } from './http-load';

/** One request of a timed phase, built (and signed) before the phase starts. */
export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers: Record<string, string>;
}

export interface LoadRun {
  results: HttpResult[];
  /** From the first request sent to the last answer received, timed in the load process. */
  elapsedMs: number;
}

type ToChild = { type: 'load'; requests: LoadRequest[] } | { type: 'go'; concurrency: number };
type FromChild = { type: 'ready' } | { type: 'loaded' } | { type: 'done'; run: LoadRun } | { type: 'failed'; message: string };

/**
 * The load generator in a process of its own, as Stripe and browsers are: the service's event loop
 * spends nothing on sending requests or reading answers, and the generator's CPU is counted apart
 * (its pid goes to the CPU meter). Requests and signatures are made by the parent before a phase and
 * handed over before the clock starts, so the phase times only HTTP round trips.
 */
export class LoadProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly baseUrl: string,
  ) {}

  static async start(baseUrl: string): Promise<LoadProcess> {
    const child = fork(__filename, [baseUrl], {
      // The bench runs under ts-node; the child compiles this file the same way (without type checks).
      execArgv: __filename.endsWith('.ts') ? ['-r', 'ts-node/register/transpile-only'] : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    const load = new LoadProcess(child, baseUrl);
    await load.next('ready');
    return load;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Hands the requests over, then waits for `beforeGo` (start the meters there) and runs them. */
  async run(requests: LoadRequest[], concurrency: number, beforeGo?: () => Promise<void>): Promise<LoadRun> {
    this.send({ type: 'load', requests });
    await this.next('loaded');
    if (beforeGo) await beforeGo();
    this.send({ type: 'go', concurrency });
    const message = await this.next('done');
    return (message as Extract<FromChild, { type: 'done' }>).run;
  }

  close(): void {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
  }

  toString(): string {
    return `load process ${this.pid} → ${this.baseUrl}`;
  }

  private send(message: ToChild): void {
    this.child.send(message);
  }

  private next(type: FromChild['type']): Promise<FromChild> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: FromChild) => {
        cleanup();
        if (message.type === 'failed') reject(new Error(`the load process failed: ${message.message}`));
        else if (message.type !== type) reject(new Error(`the load process sent "${message.type}", expected "${type}"`));
        else resolve(message);
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        reject(new Error(`the load process exited (${code ?? signal}) while the bench waited for "${type}"`));
      };
      const cleanup = () => {
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      this.child.on('message', onMessage);
      this.child.on('exit', onExit);
    });
  }
}

/** The child: holds the requests of one phase, sends them when told, answers with every result. */
function child(baseUrl: string): void {
  let requests: LoadRequest[] = [];
  const reply = (message: FromChild) => process.send?.(message);
  process.on('message', (message: ToChild) => {
    if (message.type === 'load') {
      requests = message.requests;
      reply({ type: 'loaded' });
      return;
    }
    const http = new HttpClient(baseUrl, message.concurrency);
    const started = performance.now();
    runPool(requests, message.concurrency, (request) =>
      request.method === 'GET' ? http.get(request.path, request.headers) : http.post(request.path, request.body ?? '', request.headers),
    )
      .then((results) => reply({ type: 'done', run: { results, elapsedMs: performance.now() - started } }))
      .catch((error: Error) => reply({ type: 'failed', message: error.stack ?? error.message }))
      .finally(() => {
        http.close();
        requests = [];
      });
  });
  // The parent went away (interrupted run): nothing left to do.
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready' });
}

if (require.main === module) child(process.argv[2]);
