/** Classifies server and socket errors by their message (ioredis passes Redis's text through). */
export function isAuthError(error: unknown): boolean {
  const message = (error as Error | undefined)?.message ?? '';
  return /WRONGPASS|NOAUTH|invalid username-password|invalid password/i.test(message);
}

export function isPermissionError(error: unknown): boolean {
  return /^NOPERM/.test((error as Error | undefined)?.message ?? '');
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
