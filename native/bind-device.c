// bindToDevice(fd, ifname): SO_BINDTODEVICE on a socket Node already bound. Node's dgram has no
// such option, and a DHCP server must bind 0.0.0.0 to hear broadcasts: without this, a socket
// bound for one interface hears every interface of the host. Returns 0, or the errno.
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <node_api.h>
#include <string.h>
#include <sys/socket.h>

static napi_value bind_to_device(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result;
  int32_t fd = -1;
  char name[IFNAMSIZ + 1];
  size_t length = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int error = EINVAL;
  if (argc == 2 && napi_get_value_int32(env, argv[0], &fd) == napi_ok &&
      napi_get_value_string_utf8(env, argv[1], name, sizeof name, &length) == napi_ok && length > 0 && length < IFNAMSIZ) {
    error = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t)length) == 0 ? 0 : errno;
  }
  napi_create_int32(env, error, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "bindToDevice", NAPI_AUTO_LENGTH, bind_to_device, NULL, &fn);
  napi_set_named_property(env, exports, "bindToDevice", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
