/**
 * Errors of the card image store. Their messages are meant for the user as they are: they name the file
 * and say what to do.
 */

/** A card image that cannot be used (corrupt, unknown version, impossible state, not a regular file). */
export class CardImageError extends Error {
  override name = 'CardImageError';
}

/** A card image file that another process has open (the holder is named in the message). */
export class CardInUseError extends CardImageError {
  override name = 'CardInUseError';
}

/** A save that did not reach the disk (the file keeps the state before it). */
export class CardSaveError extends CardImageError {
  override name = 'CardSaveError';
}
