internal import CCurl

/// Typed `curl_easy_setopt` for one handle; a refused option becomes an `http.invalid_request`.
struct CurlOptions {
    let handle: UnsafeMutableRawPointer
    /// The request URL, for error reports (redacted by HTTPError).
    let url: String

    func long(_ option: CURLoption, _ value: Int) throws(HTTPError) {
        try check(sluice_curl_setopt_long(handle, option, value), "option \(option.rawValue)")
    }

    func offT(_ option: CURLoption, _ value: Int64) throws(HTTPError) {
        try check(sluice_curl_setopt_off_t(handle, option, curl_off_t(value)), "option \(option.rawValue)")
    }

    func string(_ option: CURLoption, _ value: String) throws(HTTPError) {
        try check(sluice_curl_setopt_string(handle, option, value), "option \(option.rawValue)")
    }

    func pointer(_ option: CURLoption, _ value: UnsafeMutableRawPointer?) throws(HTTPError) {
        try check(sluice_curl_setopt_pointer(handle, option, value), "option \(option.rawValue)")
    }

    func callback(_ option: CURLoption, _ value: sluice_curl_data_callback) throws(HTTPError) {
        try check(sluice_curl_setopt_data_callback(handle, option, value), "option \(option.rawValue)")
    }

    func check(_ code: CURLcode, _ what: String) throws(HTTPError) {
        guard code != CURLE_OK else { return }
        let text = String(cString: curl_easy_strerror(code))
        throw HTTPError(
            code: CurlFailureKind.code(for: code),
            curlCode: Int32(bitPattern: code.rawValue),
            message: "libcurl refused \(what): \(text)",
            url: url
        )
    }
}

/// C allocations that must live until the transfer ends, then be freed exactly once.
struct TransferResources {
    /// The request header list (CURLOPT_HTTPHEADER).
    var headers: UnsafeMutablePointer<curl_slist>?
    /// The multipart body (CURLOPT_MIMEPOST).
    var mime: OpaquePointer?

    /// Frees the header list and the mime tree.
    mutating func release() {
        if let headers { curl_slist_free_all(headers) }
        if let mime { curl_mime_free(mime) }
        headers = nil
        mime = nil
    }
}

/// Which `HTTPError.Code` a `CURLcode` means.
enum CurlFailureKind {
    static func code(for code: CURLcode) -> HTTPError.Code {
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .connect
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_USE_SSL_FAILED:
            return .tls
        case CURLE_ABORTED_BY_CALLBACK:
            return .cancelled
        case CURLE_FILESIZE_EXCEEDED:
            return .tooLarge
        case CURLE_READ_ERROR, CURLE_WRITE_ERROR:
            return .file
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT, CURLE_UNKNOWN_OPTION,
            CURLE_NOT_BUILT_IN:
            return .invalidRequest
        default:
            return .transport
        }
    }
}
