// Node-API helpers of the addon's functions: typed arrays in and out, errors,
// promises settled by work off the JavaScript thread.
#pragma once

#include <node_api.h>

#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace stay {

/** Whether `v` is a typed array of type `want`; its data and length then. */
bool typed(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* length);

/** Throws a NATIVE_SHARD_ARGS TypeError; returns nullptr, what a callback then returns. */
napi_value fail(napi_env env, const char* message);

/** Rejects a promise with a NATIVE_SHARD_FAILED error saying why. */
void rejectFailed(napi_env env, napi_deferred deferred, const std::string& why);

/** Queues work off the JavaScript thread; returns the promise `complete` settles. */
napi_value queueWork(napi_env env, const char* name, napi_async_execute_callback execute,
                     napi_async_complete_callback complete, void* data, napi_deferred* deferred,
                     napi_async_work* work);

napi_value undefinedValue(napi_env env);

/** A typed array of type `type` holding a copy of `v`. */
template <typename T>
napi_value toTyped(napi_env env, const std::vector<T>& v, napi_typedarray_type type) {
  void* data = nullptr;
  napi_value ab, arr;
  napi_create_arraybuffer(env, v.size() * sizeof(T), &data, &ab);
  if (!v.empty()) std::memcpy(data, v.data(), v.size() * sizeof(T));
  napi_create_typedarray(env, type, v.size(), ab, 0, &arr);
  return arr;
}

/** A JavaScript array of the strings, UTF-8 or UTF-16. */
template <typename S>
napi_value toStrings(napi_env env, const std::vector<S>& v) {
  napi_value arr;
  napi_create_array_with_length(env, v.size(), &arr);
  for (size_t i = 0; i < v.size(); i++) {
    napi_value x;
    if constexpr (std::is_same_v<S, std::u16string>) napi_create_string_utf16(env, v[i].data(), v[i].size(), &x);
    else napi_create_string_utf8(env, v[i].data(), v[i].size(), &x);
    napi_set_element(env, arr, uint32_t(i), x);
  }
  return arr;
}

}  // namespace stay
