/** Errors the trainer reports to the user as they are: already localized, with the layer at fault. */
export class TrainerError extends Error {
  /**
   * @param message Localized text stating what failed and what to do.
   * @param layerIndex Index into `ModelSpec.layers` of the layer at fault, when known.
   */
  constructor(
    message: string,
    readonly layerIndex?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TrainerError';
  }
}

/** Returns the message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
