// The TFTP data pump: sends one negotiated transfer (RFC 1350 lock-step, RFC 7440 windows) on
// its own thread and socket, so that each block costs two system calls and no JavaScript.
// Policy stays in TypeScript (runtime/tftp): which file, which options, when to give up. This
// file only moves bytes; it reports how the transfer ended.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define READ_AHEAD (256 * 1024)
#define SLICE_MS 100 // how often a waiting transfer looks at its abort flag

typedef struct {
  // Source: a file descriptor read with pread (read ahead), or bytes in memory (kept alive by data_ref).
  int file;
  const uint8_t *data;
  uint64_t size;
  uint32_t block_size, window, timeout_ms, retries;
  struct sockaddr_in local, peer;
  uint8_t *oack;
  size_t oack_len;
  volatile int aborted;
  // How it ended.
  const char *outcome;
  uint64_t bytes;
  // ACKs that moved the transfer on (ACK 0 of the OACK included): read by progress() from the JS thread.
  uint64_t acks;
  uint32_t retransmits;
  uint16_t local_port;
  // Node side.
  napi_threadsafe_function done;
  napi_ref data_ref, self_ref;
  uint8_t *ahead;
  uint64_t ahead_start, ahead_len;
} pump_t;

static uint64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

// Copies [offset, offset + length) of the source into out; 0 on success.
static int read_source(pump_t *p, uint64_t offset, uint32_t length, uint8_t *out) {
  if (length == 0) return 0;
  if (p->data) {
    memcpy(out, p->data + offset, length);
    return 0;
  }
  if (offset < p->ahead_start || offset + length > p->ahead_start + p->ahead_len) {
    uint64_t want = p->size - offset < READ_AHEAD ? p->size - offset : READ_AHEAD;
    uint64_t got = 0;
    while (got < want) {
      ssize_t n = pread(p->file, p->ahead + got, want - got, (off_t)(offset + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return -1;
      got += (uint64_t)n;
    }
    p->ahead_start = offset;
    p->ahead_len = got;
  }
  memcpy(out, p->ahead + (offset - p->ahead_start), length);
  return 0;
}

static void run(pump_t *p) {
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) { p->outcome = "socket_error"; return; }
  struct timeval slice = { 0, SLICE_MS * 1000 };
  setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &slice, sizeof slice);
  socklen_t len = sizeof p->local;
  if (bind(sock, (struct sockaddr *)&p->local, sizeof p->local) < 0 || getsockname(sock, (struct sockaddr *)&p->local, &len) < 0 ||
      connect(sock, (struct sockaddr *)&p->peer, sizeof p->peer) < 0) {
    p->outcome = "socket_error";
    close(sock);
    return;
  }
  p->local_port = ntohs(p->local.sin_port);
  const uint64_t last = p->size / p->block_size + 1;
  uint64_t base = p->oack ? 0 : 1;
  uint32_t silent = 0;
  uint8_t *packet = malloc(4 + p->block_size);
  uint8_t ack[516];
  if (!packet) { p->outcome = "socket_error"; close(sock); return; }

  for (;;) {
    // Send the OACK, or the window from base.
    if (base == 0) {
      send(sock, p->oack, p->oack_len, 0);
    } else {
      uint64_t end = base + p->window - 1 < last ? base + p->window - 1 : last;
      for (uint64_t block = base; block <= end; block++) {
        uint64_t offset = (block - 1) * p->block_size;
        uint32_t length = offset >= p->size ? 0 : (p->size - offset < p->block_size ? (uint32_t)(p->size - offset) : p->block_size);
        packet[0] = 0; packet[1] = 3; packet[2] = (uint8_t)((block >> 8) & 0xff); packet[3] = (uint8_t)(block & 0xff);
        if (read_source(p, offset, length, packet + 4) != 0) { p->outcome = "read_error"; goto done; }
        send(sock, packet, 4 + length, 0);
      }
    }
    // Wait for an ACK that moves the window; on timeout send again, up to `retries` times.
    uint64_t deadline = now_ms() + p->timeout_ms;
    for (;;) {
      if (p->aborted) { p->outcome = "aborted"; goto done; }
      ssize_t n = recv(sock, ack, sizeof ack, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) { p->outcome = "socket_error"; goto done; }
        if (now_ms() < deadline) continue;
        if (++silent > p->retries) { p->outcome = "timeout"; goto done; }
        p->retransmits++;
        break;
      }
      if (n < 4) continue;
      uint16_t op = (uint16_t)(ack[0] << 8 | ack[1]);
      uint16_t block = (uint16_t)(ack[2] << 8 | ack[3]);
      if (op == 5) { p->outcome = "client_error"; goto done; }
      if (op != 4) continue;
      if (base == 0) {
        if (block != 0) continue;
        base = 1;
        silent = 0;
        __atomic_add_fetch(&p->acks, 1, __ATOMIC_RELAXED);
        break;
      }
      // Block numbers wrap at 65536: place the ACK relative to the window's base.
      uint32_t ahead = ((uint32_t)block - (uint32_t)((base - 1) & 0xffff) + 0x10000) & 0xffff;
      if (ahead == 0 || ahead > p->window) continue; // duplicate or stale: ignored (no Sorcerer's Apprentice)
      uint64_t acked = base - 1 + ahead;
      p->bytes = acked * p->block_size < p->size ? acked * p->block_size : p->size;
      __atomic_add_fetch(&p->acks, 1, __ATOMIC_RELAXED);
      base = acked + 1;
      silent = 0;
      if (acked >= last) { p->outcome = "complete"; goto done; }
      break;
    }
  }
done:
  free(packet);
  close(sock);
}

static void *thread_main(void *arg) {
  pump_t *p = arg;
  run(p);
  // Once queued, the callback may run and the collector free p: keep the function's handle locally.
  napi_threadsafe_function done = p->done;
  napi_call_threadsafe_function(done, p, napi_tsfn_blocking);
  napi_release_threadsafe_function(done, napi_tsfn_release);
  return NULL;
}

static void free_pump(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  pump_t *p = data;
  free(p->oack);
  free(p->ahead);
  free(p);
}

// On the JS thread once the transfer ended: callback({ outcome, bytes, retransmits, port }).
static void call_done(napi_env env, napi_value callback, void *context, void *data) {
  (void)context;
  pump_t *p = data;
  if (env == NULL) return;
  napi_value result, value, undefined;
  napi_create_object(env, &result);
  napi_create_string_utf8(env, p->outcome ? p->outcome : "socket_error", NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, result, "outcome", value);
  napi_create_double(env, (double)p->bytes, &value);
  napi_set_named_property(env, result, "bytes", value);
  napi_create_uint32(env, p->retransmits, &value);
  napi_set_named_property(env, result, "retransmits", value);
  napi_create_uint32(env, p->local_port, &value);
  napi_set_named_property(env, result, "port", value);
  if (p->data_ref) napi_delete_reference(env, p->data_ref);
  napi_delete_reference(env, p->self_ref);
  napi_get_undefined(env, &undefined);
  napi_call_function(env, undefined, callback, 1, &result, NULL);
}

static int get_u32(napi_env env, napi_value obj, const char *key, uint32_t *out) {
  napi_value v;
  return napi_get_named_property(env, obj, key, &v) == napi_ok && napi_get_value_uint32(env, v, out) == napi_ok ? 0 : -1;
}

static int get_address(napi_env env, napi_value obj, const char *host_key, const char *port_key, struct sockaddr_in *out) {
  napi_value v;
  char host[64];
  size_t host_len;
  uint32_t port;
  if (napi_get_named_property(env, obj, host_key, &v) != napi_ok || napi_get_value_string_utf8(env, v, host, sizeof host, &host_len) != napi_ok) return -1;
  if (get_u32(env, obj, port_key, &port) != 0 || port > 65535) return -1;
  memset(out, 0, sizeof *out);
  out->sin_family = AF_INET;
  out->sin_port = htons((uint16_t)port);
  return inet_pton(AF_INET, host, &out->sin_addr) == 1 ? 0 : -1;
}

// pump({ file?: fd, data?: Buffer, size, blockSize, windowSize, timeoutMs, retries, localAddress,
//        peerAddress, peerPort, oack?: Buffer }, done) -> handle (for abort)
static napi_value pump(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], v, handle, name;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) { napi_throw_type_error(env, NULL, "pump(options, done)"); return NULL; }
  pump_t *p = calloc(1, sizeof *p);
  if (!p) { napi_throw_error(env, NULL, "out of memory"); return NULL; }
  p->file = -1;
  double size;
  bool has;
  if (napi_get_named_property(env, argv[0], "size", &v) != napi_ok || napi_get_value_double(env, v, &size) != napi_ok || size < 0 ||
      get_u32(env, argv[0], "blockSize", &p->block_size) || get_u32(env, argv[0], "windowSize", &p->window) ||
      get_u32(env, argv[0], "timeoutMs", &p->timeout_ms) || get_u32(env, argv[0], "retries", &p->retries) ||
      get_address(env, argv[0], "peerAddress", "peerPort", &p->peer) || p->block_size < 8 || p->block_size > 65464 || p->window < 1) {
    free(p);
    napi_throw_type_error(env, NULL, "pump: bad options");
    return NULL;
  }
  p->size = (uint64_t)size;
  napi_value local;
  char local_host[64];
  size_t local_len;
  memset(&p->local, 0, sizeof p->local);
  p->local.sin_family = AF_INET;
  if (napi_get_named_property(env, argv[0], "localAddress", &local) != napi_ok ||
      napi_get_value_string_utf8(env, local, local_host, sizeof local_host, &local_len) != napi_ok || inet_pton(AF_INET, local_host, &p->local.sin_addr) != 1) {
    free(p);
    napi_throw_type_error(env, NULL, "pump: bad localAddress");
    return NULL;
  }
  napi_has_named_property(env, argv[0], "data", &has);
  if (has) {
    napi_get_named_property(env, argv[0], "data", &v);
    void *bytes;
    size_t length;
    if (napi_get_buffer_info(env, v, &bytes, &length) != napi_ok || length < p->size) { free(p); napi_throw_type_error(env, NULL, "pump: data"); return NULL; }
    p->data = bytes;
    napi_create_reference(env, v, 1, &p->data_ref);
  } else {
    uint32_t fd;
    if (get_u32(env, argv[0], "file", &fd)) { free(p); napi_throw_type_error(env, NULL, "pump: file or data"); return NULL; }
    p->file = (int)fd;
    p->ahead = malloc(READ_AHEAD);
    if (!p->ahead) { free(p); napi_throw_error(env, NULL, "out of memory"); return NULL; }
  }
  napi_has_named_property(env, argv[0], "oack", &has);
  if (has) {
    napi_get_named_property(env, argv[0], "oack", &v);
    void *bytes;
    size_t length;
    if (napi_get_buffer_info(env, v, &bytes, &length) == napi_ok && length > 0) {
      p->oack = malloc(length);
      memcpy(p->oack, bytes, length);
      p->oack_len = length;
    }
  }
  napi_create_external(env, p, free_pump, NULL, &handle);
  napi_create_reference(env, handle, 1, &p->self_ref);
  napi_create_string_utf8(env, "oci-tftp-pump", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, NULL, NULL, NULL, call_done, &p->done) != napi_ok) {
    napi_throw_error(env, NULL, "pump: threadsafe function");
    return NULL;
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t thread;
  int failed = pthread_create(&thread, &attr, thread_main, p);
  pthread_attr_destroy(&attr);
  if (failed) {
    napi_release_threadsafe_function(p->done, napi_tsfn_abort);
    napi_throw_error(env, NULL, "pump: thread");
    return NULL;
  }
  return handle;
}

// abort(handle): the transfer ends at its next look (within SLICE_MS), with outcome "aborted".
static napi_value abort_pump(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc == 1 && napi_get_value_external(env, argv[0], &data) == napi_ok) ((pump_t *)data)->aborted = 1;
  return NULL;
}

// progress(handle): how many ACKs moved the transfer on so far. The server evicts a transfer whose
// count stands still while new requests wait for a slot.
static napi_value progress_pump(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  void *data;
  double acks = -1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc == 1 && napi_get_value_external(env, argv[0], &data) == napi_ok) acks = (double)__atomic_load_n(&((pump_t *)data)->acks, __ATOMIC_RELAXED);
  napi_create_double(env, acks, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "progress", NAPI_AUTO_LENGTH, progress_pump, NULL, &fn);
  napi_set_named_property(env, exports, "progress", fn);
  napi_create_function(env, "pump", NAPI_AUTO_LENGTH, pump, NULL, &fn);
  napi_set_named_property(env, exports, "pump", fn);
  napi_create_function(env, "abort", NAPI_AUTO_LENGTH, abort_pump, NULL, &fn);
  napi_set_named_property(env, exports, "abort", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
