/**
 * @module Signal payloads with the send time embedded where every server passes it through untouched:
 * the SDP session id (`o=- <µs> ...`) and the ICE candidate foundation (`candidate:<µs> ...`).
 */

export type SignalKind = 'offer' | 'answer' | 'ice'

/** Microseconds on this process's monotonic clock; sender and receiver of a measured signal share a process. */
export const nowUs = () => Math.round(performance.now() * 1000)

const SDP_BODY = [
  't=0 0',
  'a=group:BUNDLE 0 1',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS bench',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:Xq3b',
  'a=ice-pwd:7f1kQ9Wm2Lx8Zr4Tn6Vb0Cy5',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 3C:4A:9F:12:7B:E0:55:A1:0D:6C:88:2E:F4:19:B7:C3:90:5E:27:AD:61:0B:CE:74:D2:38:9A:F1:46:E5:0C:7D',
  'a=setup:actpass',
  'a=mid:0',
  'a=sendrecv',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:Xq3b',
  'a=ice-pwd:7f1kQ9Wm2Lx8Zr4Tn6Vb0Cy5',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 3C:4A:9F:12:7B:E0:55:A1:0D:6C:88:2E:F4:19:B7:C3:90:5E:27:AD:61:0B:CE:74:D2:38:9A:F1:46:E5:0C:7D',
  'a=setup:actpass',
  'a=mid:1',
  'a=sctp-port:5000',
  'a=max-message-size:262144',
].join('\r\n')

/** About 1 KB of SDP. */
export const sdp = (stamp: number) => `v=0\r\no=- ${stamp} 2 IN IP4 127.0.0.1\r\ns=-\r\n${SDP_BODY}\r\n`

export const candidate = (stamp: number, n: number) =>
  `candidate:${stamp} 1 udp 2122260223 127.0.0.1 ${50000 + n} typ host generation 0 ufrag Xq3b network-id 1`

/** The embedded send time of an SDP or candidate string, or NaN. */
export function stampOf(text: unknown): number {
  if (typeof text !== 'string') return NaN
  const sdpAt = text.indexOf('o=- ')
  const at = sdpAt >= 0 ? sdpAt + 4 : text.startsWith('candidate:') ? 10 : -1
  return at < 0 ? NaN : Number.parseInt(text.slice(at, at + 20), 10)
}
