/**
 * Base of every error the relayer throws on purpose. Subclasses carry the offending value as a typed
 * field, so callers can react to it without parsing messages; `cause` keeps the underlying error.
 */
export class RelayerError extends Error {
  override readonly name: string = "RelayerError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Formats an unknown thrown value for logs and stored error columns (one line, bounded length). */
export function describeError(error: unknown, maxLength = 2000): string {
  let text: string;
  if (error instanceof Error) {
    // viem errors carry a short message plus details; the short one is what an operator needs first.
    const short = (error as { shortMessage?: unknown }).shortMessage;
    text = `${error.name}: ${typeof short === "string" ? short : error.message}`;
  } else {
    text = String(error);
  }
  text = text.replace(/\s+/g, " ").trim();
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
