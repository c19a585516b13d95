/** Classifies server and socket errors by their message (ioredis passes Redis's text through). */
export function isAuthError(error: unknown): boolean {
  const message = (error as Error | undefined)?.message ?? '';
  return /WRONGPASS|NOAUTH|invalid username-password|invalid password/i.test(message);
}

/** The peer's TLS certificate was refused (unknown CA, wrong name, expired) or TLS met a plain port. */
export function isTlsError(error: unknown): boolean {
  const code = String((error as { code?: unknown } | undefined)?.code ?? '');
  return /CERT|SELF_SIGNED|ERR_TLS|ERR_SSL|UNABLE_TO_VERIFY/.test(code) || /certificate|SSL routines|wrong version number/i.test(errorMessage(error));
}

export function isPermissionError(error: unknown): boolean {
  return /^NOPERM/.test((error as Error | undefined)?.message ?? '');
}

/** An error's message; duck-typed, so errors from another realm (node:net under a VM) lose no words. */
export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : String(error);
}
