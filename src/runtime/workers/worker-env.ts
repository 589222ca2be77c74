/** @module The Worker's bindings (wrangler.toml): the two object namespaces, and the vars and secrets read as config. */
import type { DirectoryRpc } from './directory.js'
import type { DurableObjectNamespace } from './platform.js'

export interface WorkerEnv {
  ROOMS: DurableObjectNamespace
  DIRECTORY: DurableObjectNamespace<DirectoryRpc>
  [name: string]: unknown
}
