/** @module This instance's side of the SignalBus: publishing that reports failure as a value, and our channels. */
import type { Logger } from '../lib/logger.js'
import { channels, type BusEnvelope, type Channel, type SignalBus } from '../storage/bus.js'

export class BusOut {
  readonly ownChannel: Channel

  constructor(
    private readonly bus: SignalBus,
    readonly instanceId: string,
    private readonly logger: Logger,
  ) {
    this.ownChannel = channels.instance(instanceId)
  }

  /** False when the envelope could not be handed over (the bus refused a relay nobody received, or is down). */
  async publish(channel: Channel, envelope: BusEnvelope): Promise<boolean> {
    try {
      await this.bus.publish(channel, envelope)
      return true
    } catch (err) {
      // Debug, not warn: while Redis is down every cross-instance relay fails, and the sender is told.
      this.logger.debug('bus publish failed', { channel, kind: envelope.kind, err })
      return false
    }
  }

  toInstance(instanceId: string, envelope: BusEnvelope): Promise<boolean> {
    return this.publish(channels.instance(instanceId), envelope)
  }
}
