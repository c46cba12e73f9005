/** A failed protocol call: names the method so the message says what was being done. */
export class CdpError extends Error {
  constructor(
    readonly method: string,
    readonly code: number | undefined,
    message: string,
  ) {
    super(code === undefined ? `${message} (calling ${method})` : `CDP error ${code} calling ${method}: ${message}`);
    this.name = 'CdpError';
  }
}

/** A call the program did not answer in time (it may be stopped, or busy in a long synchronous task). */
export class CdpTimeoutError extends CdpError {
  constructor(
    method: string,
    readonly timeoutMs: number,
  ) {
    super(method, undefined, `no answer within ${timeoutMs} ms`);
  }
}

/** The connection to the program is gone: every pending and later call fails with this. */
export class ConnectionClosedError extends Error {
  constructor(
    readonly reason: string,
    method?: string,
  ) {
    super(method ? `connection to the program closed (${reason}) while calling ${method}` : `connection to the program closed (${reason})`);
    this.name = 'ConnectionClosedError';
  }
}
