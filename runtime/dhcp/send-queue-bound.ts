import { logEvent, type Metrics } from "../observe/metrics.js";

/**
 * Replies the kernel has not taken yet wait in libuv's queue, first in first out. A unicast reply
 * to an address no host answers ARP for is held by the kernel for seconds, and charged to this
 * socket's send buffer meanwhile: a flood of them fills the buffer and every reply queues behind
 * them, a real client's broadcast OFFER too. A DHCP reply seconds late is one the client has
 * already asked again for, so past MAX_QUEUED_REPLIES new replies are dropped, counted and logged
 * once, as a kernel's full socket drops datagrams; the queue then stays short enough that a real
 * client is answered once the kernel gives up on those addresses.
 */
export class SendQueueBound {
  static readonly MAX_QUEUED_REPLIES = 64;
  #dropped = 0;

  constructor(private readonly metrics: Metrics) {}

  admit(queued: number): boolean {
    if (queued < SendQueueBound.MAX_QUEUED_REPLIES) {
      if (this.#dropped > 0) logEvent("dhcp.send_queue_drained", { dropped: this.#dropped });
      this.#dropped = 0;
      return true;
    }
    if (this.#dropped++ === 0) logEvent("dhcp.send_queue_full", { queued, detail: "the kernel is not taking replies (unicast to addresses that do not answer ARP?): new replies are dropped until it does" });
    this.metrics.count("oci_dhcp_replies_dropped_total", "DHCP replies dropped, by reason", { reason: "send_queue_full" });
    return false;
  }
}
