import { isScrubInError, type ScrubInError } from '../../main/errors';

/** Awaits a promise that must reject with a ScrubInError and returns that error (anything else fails the test). */
export async function rejection(promise: Promise<unknown>): Promise<ScrubInError> {
  try {
    await promise;
  } catch (error) {
    if (isScrubInError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}
