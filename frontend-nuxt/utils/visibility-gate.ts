// Holds live messages while the tab is hidden (nothing is rendered for a tab
// nobody looks at) and applies them, in order, when it is visible again. A
// reset while hidden supersedes what was queued: the REST re-fetch is the truth.
export class VisibilityGate<T> {
  private queued: T[] = []
  private resetPending = false

  constructor(
    private readonly isHidden: () => boolean,
    private readonly apply: (message: T) => void,
    private readonly reset: () => void,
  ) {}

  push(message: T): void {
    this.queued.push(message)
    this.flush()
  }

  requestReset(): void {
    this.resetPending = true
    this.flush()
  }

  // Call on visibilitychange; a no-op while hidden.
  flush(): void {
    if (this.isHidden()) return
    if (this.resetPending) {
      this.resetPending = false
      this.queued = []
      this.reset()
      return
    }
    const messages = this.queued
    this.queued = []
    for (const message of messages) this.apply(message)
  }

  clear(): void {
    this.queued = []
    this.resetPending = false
  }

  get pending(): number {
    return this.queued.length
  }
}
