// Node-API helpers (see napi-util.h).
#include "napi-util.h"

namespace stay {

bool typed(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, data, &ab, &offset) != napi_ok) return false;
  return type == want;
}

napi_value fail(napi_env env, const char* message) {
  napi_throw_type_error(env, "NATIVE_SHARD_ARGS", message);
  return nullptr;
}

void rejectFailed(napi_env env, napi_deferred deferred, const std::string& why) {
  napi_value message, code, error;
  napi_create_string_utf8(env, why.c_str(), NAPI_AUTO_LENGTH, &message);
  napi_create_string_utf8(env, "NATIVE_SHARD_FAILED", NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, message, &error);
  napi_reject_deferred(env, deferred, error);
}

/** Queues work off the JavaScript thread; returns the promise `complete` settles. */
napi_value queueWork(napi_env env, const char* name, napi_async_execute_callback execute,
                     napi_async_complete_callback complete, void* data, napi_deferred* deferred,
                     napi_async_work* work) {
  napi_value promise, resource;
  napi_create_promise(env, deferred, &promise);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource);
  napi_create_async_work(env, nullptr, resource, execute, complete, data, work);
  napi_queue_async_work(env, *work);
  return promise;
}

napi_value undefinedValue(napi_env env) {
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

}  // namespace stay
