/**
 * Git processes spoken to over their standard input: a long-lived one (`git cat-file --batch`), one request
 * written per line and the answers read back in order; and one-off commands fed a pack or a list of paths
 * ({@link runGitWithInput}).
 *
 * Why: starting a process from a large Node process is expensive (the fork copies its page tables, some 8 ms
 * each on the intake's writer, synchronously, on the event loop), and a proposal needs a dozen small git
 * answers. A long-lived process pays the start once; each further request costs a pipe round trip.
 *
 * The process is started on the first request and started again on the next request after it died; requests
 * that were waiting when it died fail with {@link GitCommandError} (git's stderr included), never hang. It
 * never keeps the Node process alive on its own: it is referenced only while a request waits for its answer.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';
import { GitCommandError } from './runner';

/**
 * Reads one answer from the front of `buffer`: the value and the bytes it took, or undefined while the
 * answer is not complete yet.
 */
export type AnswerParser<T> = (buffer: Buffer) => { readonly value: T; readonly length: number } | undefined;

interface Waiter {
  readonly parse: AnswerParser<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly waiting: Waiter[];
  buffer: Buffer;
  stderr: string;
}

/** How much of git's stderr is kept for error messages. */
const STDERR_KEPT = 4096;

/** One long-lived git process for one repository directory. */
export class GitProcess {
  private running: Running | undefined;
  /** Processes started so far (tests: a process that died is replaced). */
  starts = 0;

  constructor(
    /** Where git runs. */
    readonly dir: string,
    /** The arguments after `git`. */
    readonly args: readonly string[],
  ) {}

  /** The running process's id, if one runs. */
  get pid(): number | undefined {
    return this.running?.child.pid;
  }

  /**
   * Writes `input` (one or more complete lines) and resolves with the answer `parse` reads. Requests are
   * answered in the order they were made.
   */
  request<T>(input: string, parse: AnswerParser<T>): Promise<T> {
    const running = this.start();
    return new Promise<T>((resolve, reject) => {
      if (running.waiting.length === 0) hold(running, true);
      running.waiting.push({ parse, resolve: resolve as (value: unknown) => void, reject });
      running.child.stdin.write(input);
    });
  }

  /** Ends the process (its standard input is closed; it exits once it has answered what it was asked). */
  close(): void {
    const running = this.running;
    this.running = undefined;
    running?.child.stdin.end();
  }

  private start(): Running {
    if (this.running) return this.running;
    const child = spawn('git', [...this.args], { cwd: this.dir, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    this.starts++;
    const running: Running = { child, waiting: [], buffer: Buffer.alloc(0), stderr: '' };
    this.running = running;
    hold(running, false);
    child.stdout.on('data', (chunk: Buffer) => {
      running.buffer = running.buffer.length === 0 ? chunk : Buffer.concat([running.buffer, chunk]);
      this.answer(running);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      running.stderr = (running.stderr + text).slice(-STDERR_KEPT);
    });
    let failed = false;
    const fail = (exitCode: number, detail: string): void => {
      if (failed) return;
      failed = true;
      if (this.running === running) this.running = undefined;
      const error = new GitCommandError(this.args, exitCode, '', running.stderr.trim() || detail);
      for (const w of running.waiting.splice(0)) w.reject(error);
    };
    // A write to a process that died fails with EPIPE; the exit below says why it died.
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => fail(-1, error.message));
    child.on('close', (code, signal) => fail(code ?? -1, `git ${this.args[0] ?? ''} stopped${signal ? ` (${signal})` : ''}`));
    return running;
  }

  private answer(running: Running): void {
    while (running.waiting.length > 0) {
      const next = running.waiting[0]!;
      let parsed: { value: unknown; length: number } | undefined;
      try {
        parsed = next.parse(running.buffer);
      } catch (error) {
        // An answer this side cannot read: the stream is out of step, so the process is of no further use.
        running.waiting.shift();
        next.reject(error instanceof Error ? error : new Error(String(error)));
        running.child.kill();
        return;
      }
      if (!parsed) return;
      running.waiting.shift();
      running.buffer = running.buffer.subarray(parsed.length);
      next.resolve(parsed.value);
    }
    if (running.waiting.length === 0) hold(running, false);
  }
}

/** References the process and its pipes while an answer is awaited, so that Node neither exits nor waits for it. */
function hold(running: Running, on: boolean): void {
  const { child } = running;
  // The pipes are sockets (which can be unreferenced), though typed as plain streams.
  for (const handle of [child, child.stdin, child.stdout, child.stderr] as unknown as Array<{ ref(): void; unref(): void }>) {
    if (on) handle.ref();
    else handle.unref();
  }
}

/** An answer that is one line (without its newline). */
export const lineAnswer: AnswerParser<string> = (buffer) => {
  const end = buffer.indexOf(0x0a);
  return end < 0 ? undefined : { value: buffer.toString('utf8', 0, end), length: end + 1 };
};

/**
 * Runs one git command in `dir` with `input` on its standard input (`check-ignore --stdin`…), resolving with
 * its standard output, or rejecting with {@link GitCommandError} when it fails.
 * simple-git (runner.ts) has no way to pass input; nothing here goes through a shell.
 */
export function runGitWithInput(dir: string, args: readonly string[], input: Buffer | string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...args], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_KEPT);
    });
    // A process that dies early makes the write fail with EPIPE; its exit below says why.
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => reject(new GitCommandError(args, -1, '', error.message)));
    child.on('close', (code, signal) => {
      const out = Buffer.concat(stdout);
      if (code === 0) resolve(out);
      else reject(new GitCommandError(args, code ?? -1, out.toString('utf8'), stderr.trim() || `git ${args[0] ?? ''} stopped${signal ? ` (${signal})` : ''}`));
    });
    child.stdin.end(input);
  });
}

/**
 * Where the repository at `dir` keeps each of `names` (`git rev-parse --git-path`: a work tree's `.git`, a bare
 * repository, a linked work tree's common folder, GIT_OBJECT_DIRECTORY…), as absolute paths in that order.
 */
export async function gitPaths(dir: string, names: readonly string[]): Promise<string[]> {
  const out = await runGitWithInput(dir, ['rev-parse', ...names.flatMap((n) => ['--git-path', n])], '');
  return out
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((p) => resolve(dir, p));
}
