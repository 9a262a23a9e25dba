import type { Clock, IdGenerator } from '#ports/index.ts';

export class FakeClock implements Clock {
  current: Date;
  constructor(start = new Date('2026-11-22T10:00:00Z')) {
    this.current = start;
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export class SequentialIds implements IdGenerator {
  private n = 0;
  private readonly prefix: string;
  constructor(prefix = 'id') {
    this.prefix = prefix;
  }
  next(): string {
    this.n += 1;
    return `${this.prefix}-${this.n}`;
  }
}
