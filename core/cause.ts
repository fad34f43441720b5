/**
 * The human part of a Catch's Cause. On AWS a Lambda error's Cause is the JSON
 * `{"errorType","errorMessage","trace"}`; the local engine gives
 * `Type: message` or the bare message.
 */
export function causeMessage(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (parsed && typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: the message itself.
  }
  return cause;
}
