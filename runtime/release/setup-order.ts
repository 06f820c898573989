import { SETUP_ORDER_PATH, type SetupOrder } from "../../compiler/emit/setup/render-setup-order.js";
import type { Release } from "./release.js";

const orderByRelease = new WeakMap<Release, SetupOrder>();

/** The release's setup/order.json, parsed once per release; none (an empty order) when the render has no such file. */
export function setupOrderOf(release: Release): SetupOrder {
  let order = orderByRelease.get(release);
  if (!order) {
    const text = release.files.get(SETUP_ORDER_PATH);
    order = text ? (JSON.parse(text.toString("utf8")) as SetupOrder) : { format: 1, machines: [] };
    orderByRelease.set(release, order);
  }
  return order;
}
