import type { Socket } from 'node:net';
import { ChannelCredentials, type CallCredentials } from '@grpc/grpc-js';

type ConnectorArgs = Parameters<ChannelCredentials['_createSecureConnector']>;
type SecureConnector = ReturnType<ChannelCredentials['_createSecureConnector']>;

/**
 * Channel credentials that hand every connection through unchanged but remember its socket, so the
 * owner can close the channel's connections for sure.
 *
 * Why: grpc-js has no deadline on a connection attempt. A peer that accepts TCP but never sends its
 * HTTP/2 SETTINGS (a hung collector, a black-holing proxy) leaves the attempt pending forever, and
 * closing the Client does not end it (grpc/grpc-node#2785): renewing the exporter after each failed
 * cycle leaked one socket per cycle. `destroyAll()` ends whatever the channel still holds.
 *
 * Equal only to itself, so grpc-js's shared subchannel pool never lends these connections to
 * another channel (nor theirs to this one).
 */
export class SocketOwningCredentials extends ChannelCredentials {
  #inner: ChannelCredentials;
  #sockets = new Set<Socket>();
  #closed = false;

  constructor(inner: ChannelCredentials) {
    super();
    this.#inner = inner;
  }

  /** Sockets currently open through these credentials. */
  get openSockets(): number {
    return this.#sockets.size;
  }

  override compose(callCredentials: CallCredentials): ChannelCredentials {
    return new SocketOwningCredentials(this.#inner.compose(callCredentials));
  }

  _isSecure(): boolean {
    return this.#inner._isSecure();
  }

  _equals(other: ChannelCredentials): boolean {
    return other === this;
  }

  _createSecureConnector(...args: ConnectorArgs): SecureConnector {
    const inner = this.#inner._createSecureConnector(...args);
    return {
      connect: async (socket) => {
        this.#track(socket);
        const result = await inner.connect(socket);
        this.#track(result.socket);
        return result;
      },
      waitForReady: () => inner.waitForReady(),
      getCallCredentials: () => inner.getCallCredentials(),
      destroy: () => inner.destroy(),
    };
  }

  #track(socket: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    if (this.#sockets.has(socket)) return;
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  /** Destroys every socket still open; later connections are destroyed at once. */
  destroyAll(): void {
    this.#closed = true;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }
}
