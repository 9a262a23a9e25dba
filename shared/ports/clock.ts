/** Time and ids, injected so tests can fix them. */
export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  next(): string;
}
