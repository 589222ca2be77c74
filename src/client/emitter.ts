/** @module A tiny typed event emitter: `on` returns its own unsubscribe; a throwing listener does not stop the others. */

export type Listener<T> = (event: T) => void

export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>()

  /** Subscribes `fn` to `type`; call the returned function to unsubscribe. */
  on<K extends keyof Events>(type: K, fn: Listener<Events[K]>): () => void {
    let set = this.listeners.get(type)
    if (!set) this.listeners.set(type, (set = new Set()))
    set.add(fn)
    return () => set.delete(fn)
  }

  protected emit<K extends keyof Events>(type: K, event: Events[K]): void {
    const set = this.listeners.get(type) as Set<Listener<Events[K]>> | undefined
    if (!set) return
    for (const fn of [...set]) {
      try {
        fn(event)
      } catch (err) {
        // A listener bug must not break the socket's message loop; surface it asynchronously instead.
        queueMicrotask(() => {
          throw err
        })
      }
    }
  }
}
