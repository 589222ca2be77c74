// The one class we take from the Workers runtime's own module (RPC between objects needs it); platform.ts has the rest.
declare module 'cloudflare:workers' {
  export abstract class DurableObject<Env = unknown, State = unknown> {
    protected ctx: State
    protected env: Env
    constructor(ctx: State, env: Env)
  }
}
