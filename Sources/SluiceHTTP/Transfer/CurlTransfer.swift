internal import CCurl

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One request performed synchronously on one easy handle; runs on a thread the client owns.
struct CurlTransfer {
    let request: HTTPRequest
    let configuration: HTTPClientConfiguration
    let cancellation: CancellationFlag

    /// Runs the transfer to completion and returns the response or the failure.
    func run(on handle: EasyHandle) -> Result<HTTPResponse, HTTPError> {
        let context = TransferContext(
            handle: handle.raw,
            cancellation: cancellation,
            maxInMemoryBytes: configuration.maxInMemoryResponseBytes
        )
        // Everything libcurl points into must live until curl_easy_perform returns: the error
        // buffer, the header list, the mime tree and the context behind the *DATA pointers.
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: sluice_curl_error_size() + 1)
        errorBuffer.initialize(repeating: 0, count: sluice_curl_error_size() + 1)
        var resources = TransferResources()
        defer {
            errorBuffer.deallocate()
            resources.release()
            context.closeFiles()
        }
        do throws(HTTPError) {
            let options = CurlOptions(handle: handle.raw, url: request.url)
            try configureTransport(options, context: context, errorBuffer: errorBuffer)
            try CurlRequestBody(request: request, options: options).apply(context: context, resources: &resources)
            try configureDownload(options, context: context)
            let code = withExtendedLifetime(context) { curl_easy_perform(handle.raw) }
            if code != CURLE_OK {
                return .failure(failure(code, context: context, errorBuffer: errorBuffer))
            }
            if context.downloadFD >= 0 {
                let fd = context.downloadFD
                context.downloadFD = -1
                if close(fd) != 0 {
                    throw HTTPError(
                        code: .file,
                        message: "closing the response file failed: \(errnoText())",
                        url: request.url
                    )
                }
            }
            var status = 0
            _ = sluice_curl_getinfo_long(handle.raw, CURLINFO_RESPONSE_CODE, &status)
            return .success(
                HTTPResponse(
                    status: status,
                    headers: context.headers,
                    body: context.body,
                    bodyBytes: context.bodyBytes
                )
            )
        } catch {
            return .failure(error)
        }
    }

    private func configureTransport(
        _ options: CurlOptions,
        context: TransferContext,
        errorBuffer: UnsafeMutablePointer<CChar>
    ) throws(HTTPError) {
        let config = configuration
        let contextPointer = Unmanaged.passUnretained(context).toOpaque()
        try options.pointer(CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer))
        try options.string(CURLOPT_URL, request.url)
        // Only HTTP(S), also after redirects: a URL from a config file must not read file:// paths.
        try options.string(CURLOPT_PROTOCOLS_STR, "http,https")
        try options.long(CURLOPT_NOSIGNAL, 1)  // no SIGALRM for DNS timeouts: threads and signals don't mix
        try options.long(CURLOPT_CONNECTTIMEOUT_MS, config.connectTimeout.wholeMilliseconds)
        try options.long(CURLOPT_LOW_SPEED_LIMIT, max(1, config.lowSpeedLimit))
        try options.long(CURLOPT_LOW_SPEED_TIME, config.lowSpeedTime.wholeSecondsAtLeastOne)
        if let total = config.totalTimeout {
            try options.long(CURLOPT_TIMEOUT_MS, total.wholeMilliseconds)
        }
        try options.string(CURLOPT_USERAGENT, config.userAgent)
        try options.long(CURLOPT_SSL_VERIFYPEER, config.verifyTLS ? 1 : 0)
        try options.long(CURLOPT_SSL_VERIFYHOST, config.verifyTLS ? 2 : 0)
        if let caInfo = config.caInfo {
            try options.string(CURLOPT_CAINFO, caInfo)
        }
        try options.string(CURLOPT_ACCEPT_ENCODING, "")  // every encoding libcurl can decode
        try options.long(CURLOPT_TCP_KEEPALIVE, 1)
        try options.long(CURLOPT_BUFFERSIZE, 128 << 10)
        try options.callback(CURLOPT_WRITEFUNCTION, curlWriteCallback)
        try options.pointer(CURLOPT_WRITEDATA, contextPointer)
        try options.callback(CURLOPT_HEADERFUNCTION, curlHeaderCallback)
        try options.pointer(CURLOPT_HEADERDATA, contextPointer)
        try options.check(
            sluice_curl_setopt_xferinfo_callback(options.handle, curlProgressCallback),
            "XFERINFOFUNCTION"
        )
        try options.pointer(CURLOPT_XFERINFODATA, contextPointer)
        try options.long(CURLOPT_NOPROGRESS, 0)
    }

    private func configureDownload(_ options: CurlOptions, context: TransferContext) throws(HTTPError) {
        guard let path = request.responseBodyFile else {
            // Lets libcurl refuse early when Content-Length already announces too much.
            try options.offT(CURLOPT_MAXFILESIZE_LARGE, Int64(configuration.maxInMemoryResponseBytes))
            return
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw HTTPError(code: .file, message: "cannot open \(path) for writing: \(errnoText())", url: request.url)
        }
        context.downloadFD = fd
    }

    private func failure(
        _ code: CURLcode,
        context: TransferContext,
        errorBuffer: UnsafeMutablePointer<CChar>
    ) -> HTTPError {
        var text = String(cString: errorBuffer)
        if text.isEmpty { text = String(cString: curl_easy_strerror(code)) }
        let curlCode = Int32(bitPattern: code.rawValue)
        if code == CURLE_ABORTED_BY_CALLBACK && cancellation.isRaised {
            return HTTPError(code: .cancelled, curlCode: curlCode, message: "the task was cancelled", url: request.url)
        }
        if context.exceededMemoryLimit || code == CURLE_FILESIZE_EXCEEDED {
            let limit = configuration.maxInMemoryResponseBytes
            return HTTPError(
                code: .tooLarge,
                curlCode: curlCode,
                message: "response body exceeds \(limit) bytes: \(text)",
                url: request.url
            )
        }
        if let fileFailure = context.fileFailure {
            return HTTPError(code: .file, curlCode: curlCode, message: fileFailure, url: request.url)
        }
        return HTTPError(code: CurlFailureKind.code(for: code), curlCode: curlCode, message: text, url: request.url)
    }
}

/// The text of the current `errno`.
func errnoText() -> String {
    String(cString: strerror(errno))
}
