/** An error in what the caller asked for, found by us before or without asking upstream. */
export class ToolInputError extends Error {
  override name = 'ToolInputError';
}
