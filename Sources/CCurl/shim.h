#ifndef SLUICE_CCURL_SHIM_H
#define SLUICE_CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic and do not import into Swift. Each wrapper
// below fixes the argument type of one option family, because libcurl reads the vararg with
// exactly that width: a `long` option given an `int`, or a `curl_off_t` option given a `long`,
// is undefined behaviour on some ABIs.

/// Options that take a `long` (flags, timeouts in ms, sizes that fit a long).
static inline CURLcode sluice_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

/// Options that take a `curl_off_t` (the `*_LARGE` sizes).
static inline CURLcode sluice_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/// Options that take a C string; libcurl copies strings, except CURLOPT_POSTFIELDS (never used).
static inline CURLcode sluice_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/// Options that take an opaque pointer (the `*DATA` callback contexts, CURLOPT_ERRORBUFFER,
/// CURLOPT_COPYPOSTFIELDS with binary data).
static inline CURLcode sluice_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

/// Options that take a header list (CURLOPT_HTTPHEADER); the list must outlive the transfer.
static inline CURLcode sluice_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

/// CURLOPT_MIMEPOST; the mime handle must outlive the transfer.
static inline CURLcode sluice_curl_setopt_mime(CURL *handle, CURLoption option, curl_mime *value) {
    return curl_easy_setopt(handle, option, value);
}

/// The shape shared by CURLOPT_WRITEFUNCTION, CURLOPT_READFUNCTION and CURLOPT_HEADERFUNCTION.
typedef size_t (*sluice_curl_data_callback)(char *buffer, size_t size, size_t count, void *context);

/// Options that take a data callback (write, read, header).
static inline CURLcode sluice_curl_setopt_data_callback(CURL *handle, CURLoption option,
                                                        sluice_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

/// CURLOPT_XFERINFOFUNCTION: returning non-zero aborts the transfer with CURLE_ABORTED_BY_CALLBACK.
static inline CURLcode sluice_curl_setopt_xferinfo_callback(CURL *handle, curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

/// CURLOPT_SEEKFUNCTION: lets libcurl rewind a streamed upload when it must resend it.
static inline CURLcode sluice_curl_setopt_seek_callback(CURL *handle, curl_seek_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, callback);
}

/// Infos that return a `long` (CURLINFO_RESPONSE_CODE, CURLINFO_OS_ERRNO).
static inline CURLcode sluice_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

/// Infos that return a `curl_off_t` (the `*_T` sizes and times).
static inline CURLcode sluice_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

/// Infos that return a C string owned by the handle (CURLINFO_EFFECTIVE_URL).
static inline CURLcode sluice_curl_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

/// curl_global_init(CURL_GLOBAL_ALL); the flag macro is an expression and does not import.
static inline CURLcode sluice_curl_global_init_all(void) {
    return curl_global_init(CURL_GLOBAL_ALL);
}

/// The size libcurl requires of a CURLOPT_ERRORBUFFER buffer.
static inline size_t sluice_curl_error_size(void) {
    return CURL_ERROR_SIZE;
}

/// The read-callback return value that aborts an upload (CURL_READFUNC_ABORT).
static inline size_t sluice_curl_readfunc_abort(void) {
    return CURL_READFUNC_ABORT;
}

#endif
