/**
 * The logging surface the reusable modules (watcher, store, carrier) need. pino's Logger satisfies it;
 * so does `silentLogger`, the default, so that a library user who passes nothing gets no output.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
