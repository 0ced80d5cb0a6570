import { ISessionContext } from '@jupyterlab/apputils';
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { IJobsTransport, JobRequestBody, JobRequestError } from './model';
import { JobReply, KernelMessage as JobsKernelMessage } from '../schema/jobs';
import { HelperStatus, loadHelper } from '../common/kernelHelper';

/** The comm target registered by `%load_ext groundtrace` (python/groundtrace/jobs_comm.py). */
export const JOBS_COMM_TARGET = 'groundtrace.jobs';

/**
 * The session path of the panel's own kernel. A path at the server root, so the kernel's
 * working directory is the root and paths typed in the panel mean what the file browser shows.
 */
export const JOBS_SESSION_PATH = '.groundtrace-dataset-generator';

export type ConnectionStatus = 'connecting' | 'ready' | 'failed';

/**
 * How long a request waits for its reply. A comm can die without a word (a kernel
 * restarted through the REST API): then the comm is dropped, and the next request opens a
 * new one (and the panel attaches again).
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The `groundtrace.jobs` comm in the panel's own kernel: loads the kernel helper, opens
 * the comm, and opens it again whenever the kernel restarts. Requests get exactly one
 * reply (matched by request_id); every other message is an event for the models.
 */
export class JobsConnection implements IJobsTransport, IDisposable {
  constructor(readonly sessionContext: ISessionContext) {
    sessionContext.statusChanged.connect(this._onKernelStatus, this);
    sessionContext.kernelChanged.connect(
      () => this._drop('the kernel changed'),
      this
    );
  }

  get messageReceived(): ISignal<this, JobsKernelMessage> {
    return this._messageReceived;
  }

  /** Emitted each time the comm is (re)opened; a new kernel knows no job until asked. */
  get connected(): ISignal<this, void> {
    return this._connected;
  }

  get statusChanged(): ISignal<this, ConnectionStatus> {
    return this._statusChanged;
  }

  get status(): ConnectionStatus {
    return this._status;
  }

  /** Why the kernel helper could not be loaded, when status is 'failed'. */
  get failure(): Exclude<HelperStatus, { ok: true }> | null {
    return this._failure;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Starts (or finds again) the panel's kernel and opens the comm. */
  connect(): Promise<void> {
    if (this._comm) {
      return Promise.resolve();
    }
    if (!this._connecting) {
      this._connecting = this._connect().finally(() => {
        this._connecting = null;
      });
    }
    return this._connecting;
  }

  async request<T = unknown>(body: JobRequestBody): Promise<T> {
    if (!this._comm) {
      await this.connect();
    }
    const comm = this._comm;
    if (!comm) {
      throw new JobRequestError(
        this._failure?.error ?? 'the Dataset Generator kernel is not running',
        this._failure?.installCommand
          ? `install groundtrace into the kernel: ${this._failure.installCommand}`
          : 'restart the kernel from the panel and try again'
      );
    }
    const requestId = `r${++this._counter}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this._pending.has(requestId) && this._comm === comm) {
          this._drop(`no reply in ${REQUEST_TIMEOUT_MS / 1000} s`);
          this._setStatus('connecting');
          void this.connect(); // a new comm: the panel attaches again when it opens
        }
      }, REQUEST_TIMEOUT_MS);
      this._pending.set(requestId, {
        resolve: (value: unknown) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (reason: Error) => {
          clearTimeout(timer);
          reject(reason);
        }
      });
      comm.send({ ...body, request_id: requestId } as any);
    });
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._drop('the panel was closed');
    Signal.clearData(this);
  }

  private async _connect(): Promise<void> {
    this._setStatus('connecting');
    try {
      await this.sessionContext.initialize();
      await this.sessionContext.ready;
      const kernel = this.sessionContext.session?.kernel;
      if (!kernel) {
        throw new Error('no kernel could be started for the Dataset Generator');
      }
      const helper = await loadHelper(kernel);
      if (!helper.ok) {
        this._failure = helper;
        this._setStatus('failed');
        return;
      }
      this._failure = null;
      this._open(kernel);
      this._setStatus('ready');
      this._connected.emit();
    } catch (reason) {
      this._failure = {
        ok: false,
        missing: false,
        error: String((reason as Error)?.message ?? reason),
        installCommand: ''
      };
      this._setStatus('failed');
    }
  }

  private _open(kernel: Kernel.IKernelConnection): void {
    const comm = kernel.createComm(JOBS_COMM_TARGET);
    comm.onMsg = (msg: KernelMessage.ICommMsgMsg) => {
      this._onData(msg.content.data as unknown as JobsKernelMessage);
    };
    comm.onClose = () => {
      if (this._comm === comm) {
        this._drop('the kernel closed the connection');
      }
    };
    this._comm = comm;
    comm.open({});
  }

  private _onData(message: JobsKernelMessage): void {
    if (message.type === 'reply') {
      this._settle(message);
      return;
    }
    this._messageReceived.emit(message);
  }

  private _settle(reply: JobReply): void {
    const pending = reply.request_id
      ? this._pending.get(reply.request_id)
      : null;
    if (!pending) {
      return;
    }
    this._pending.delete(reply.request_id!);
    if (reply.ok) {
      pending.resolve(reply.result);
    } else {
      pending.reject(
        new JobRequestError(reply.error ?? 'the request failed', reply.hint)
      );
    }
  }

  /** Forgets the comm (kernel restarting or gone); pending requests fail with why. */
  private _drop(why: string): void {
    const comm = this._comm;
    this._comm = null;
    if (comm && !comm.isDisposed) {
      try {
        comm.dispose();
      } catch {
        // the kernel is gone already
      }
    }
    for (const pending of this._pending.values()) {
      pending.reject(
        new JobRequestError(
          `no answer from the kernel: ${why}`,
          'a running job goes on; the panel finds it again when the kernel is back'
        )
      );
    }
    this._pending.clear();
  }

  private _onKernelStatus(_: ISessionContext, status: Kernel.Status): void {
    // 'starting' comes from a new kernel process, also one restarted elsewhere (another
    // tab, the REST API) that this page was never told about: its comms are gone.
    if (
      status === 'starting' ||
      status === 'restarting' ||
      status === 'autorestarting' ||
      status === 'dead'
    ) {
      this._drop(`the kernel is ${status}`);
      this._setStatus('connecting');
    } else if (
      status === 'idle' &&
      !this._comm &&
      !this._connecting &&
      this._status !== 'failed'
    ) {
      void this.connect();
    }
  }

  private _setStatus(status: ConnectionStatus): void {
    if (status !== this._status) {
      this._status = status;
      this._statusChanged.emit(status);
    }
  }

  private _comm: Kernel.IComm | null = null;
  private _connecting: Promise<void> | null = null;
  private _counter = 0;
  private _pending = new Map<
    string,
    { resolve: (value: unknown) => void; reject: (reason: Error) => void }
  >();
  private _status: ConnectionStatus = 'connecting';
  private _failure: Exclude<HelperStatus, { ok: true }> | null = null;
  private _isDisposed = false;
  private _messageReceived = new Signal<this, JobsKernelMessage>(this);
  private _connected = new Signal<this, void>(this);
  private _statusChanged = new Signal<this, ConnectionStatus>(this);
}
