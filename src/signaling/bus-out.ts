/** @module This instance's side of the SignalBus: publishing that reports failure as a value, and our channels. */
import type { Logger } from '../lib/logger.js'
import { channels, type BusEnvelope, type Channel, type SignalBus } from '../storage/bus.js'

const published = () => true

export class BusOut {
  readonly ownChannel: Channel

  constructor(
    private readonly bus: SignalBus,
    readonly instanceId: string,
    private readonly logger: Logger,
  ) {
    this.ownChannel = channels.instance(instanceId)
  }

  /**
   * False when the envelope could not be handed over (the bus refused a relay nobody received, or is down). Promise
   * callbacks rather than an async function: no suspended frame per publish while Redis's reply is in flight.
   */
  publish(channel: Channel, envelope: BusEnvelope): Promise<boolean> {
    const kind = envelope.kind
    let sent: Promise<void>
    try {
      sent = this.bus.publish(channel, envelope)
    } catch (err) {
      return Promise.resolve(this.failed(channel, kind, err))
    }
    // The failure callback keeps the channel and the kind, not the envelope and its frame.
    return sent.then(published, (err: unknown) => this.failed(channel, kind, err))
  }

  private failed(channel: Channel, kind: BusEnvelope['kind'], err: unknown): false {
    // Debug, not warn: while Redis is down every cross-instance relay fails, and the sender is told.
    this.logger.debug('bus publish failed', { channel, kind, err })
    return false
  }

  toInstance(instanceId: string, envelope: BusEnvelope): Promise<boolean> {
    return this.publish(channels.instance(instanceId), envelope)
  }
}
