internal import CCurl

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sets method, headers and body of one request on a handle.
struct CurlRequestBody {
    let request: HTTPRequest
    let options: CurlOptions

    /// Applies method, body and header options; allocations go into `resources`.
    func apply(context: TransferContext, resources: inout TransferResources) throws(HTTPError) {
        let method = request.method
        guard !method.isEmpty, method.allSatisfy({ $0.isLetter || $0 == "-" || $0 == "_" }) else {
            throw invalid("invalid method \(method)")
        }
        var contentType: String?
        switch request.body {
        case .none:
            switch method {
            case "GET": try options.long(CURLOPT_HTTPGET, 1)
            case "HEAD": try options.long(CURLOPT_NOBODY, 1)
            case "POST": try setBytes([])
            default: try options.string(CURLOPT_CUSTOMREQUEST, method)
            }
        case .bytes(let bytes, let type):
            contentType = type
            try setBytes(bytes)
        case .file(let path, let type):
            contentType = type
            try setFile(path, context: context)
        case .multipart(let parts):
            try setMultipart(parts, resources: &resources)
        }
        if case .none = request.body {
        } else if method != "POST" {
            try options.string(CURLOPT_CUSTOMREQUEST, method)
        }
        try setHeaders(contentType: contentType, resources: &resources)
    }

    private func setBytes(_ bytes: [UInt8]) throws(HTTPError) {
        // Size first, so COPYPOSTFIELDS copies exactly this many bytes (binary-safe, NULs included).
        try options.offT(CURLOPT_POSTFIELDSIZE_LARGE, Int64(bytes.count))
        var copy = bytes.isEmpty ? [0] : bytes
        let code = copy.withUnsafeMutableBytes { raw in
            sluice_curl_setopt_pointer(options.handle, CURLOPT_COPYPOSTFIELDS, raw.baseAddress)
        }
        try options.check(code, "COPYPOSTFIELDS")
    }

    private func setFile(_ path: String, context: TransferContext) throws(HTTPError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fileError("cannot open \(path) for reading: \(errnoText())") }
        context.uploadFD = fd
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw fileError("cannot stat \(path): \(errnoText())") }
        let contextPointer = Unmanaged.passUnretained(context).toOpaque()
        try options.long(CURLOPT_POST, 1)
        try options.offT(CURLOPT_POSTFIELDSIZE_LARGE, Int64(info.st_size))
        try options.callback(CURLOPT_READFUNCTION, curlReadCallback)
        try options.pointer(CURLOPT_READDATA, contextPointer)
        try options.check(sluice_curl_setopt_seek_callback(options.handle, curlSeekCallback), "SEEKFUNCTION")
        try options.pointer(CURLOPT_SEEKDATA, contextPointer)
    }

    private func setMultipart(_ parts: [MultipartPart], resources: inout TransferResources) throws(HTTPError) {
        guard let mime = curl_mime_init(options.handle) else { throw invalid("curl_mime_init failed") }
        resources.mime = mime
        for part in parts {
            guard let handle = curl_mime_addpart(mime) else { throw invalid("curl_mime_addpart failed") }
            switch part {
            case .field(let name, let value):
                try options.check(curl_mime_name(handle, name), "mime name")
                let utf8 = Array(value.utf8)
                let code = utf8.withUnsafeBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) { curl_mime_data(handle, $0.baseAddress, utf8.count) }
                }
                try options.check(code, "mime data")
            case .file(let name, let path, let filename, let contentType):
                // Opening it here turns a missing file into http.file now, not a read error mid-upload.
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw fileError("cannot open \(path) for reading: \(errnoText())") }
                close(fd)
                try options.check(curl_mime_name(handle, name), "mime name")
                try options.check(curl_mime_filedata(handle, path), "mime filedata")  // streams from disk
                try options.check(curl_mime_filename(handle, filename), "mime filename")
                try options.check(curl_mime_type(handle, contentType), "mime type")
            }
        }
        try options.check(sluice_curl_setopt_mime(options.handle, CURLOPT_MIMEPOST, mime), "MIMEPOST")
    }

    private func setHeaders(contentType: String?, resources: inout TransferResources) throws(HTTPError) {
        var lines: [String] = []
        for header in request.headers {
            guard isValid(header) else { throw invalid("invalid header \(header)") }
            // "Name;" is libcurl's way to send an empty value; "Name:" would delete the header.
            lines.append(header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)")
        }
        let hasContentType = request.headers.contains { $0.name.lowercased() == "content-type" }
        if let contentType, !hasContentType {
            lines.append("Content-Type: \(contentType)")
        }
        // Without this libcurl waits up to a second for "100 Continue" before sending big bodies.
        if !request.headers.contains(where: { $0.name.lowercased() == "expect" }) {
            lines.append("Expect:")
        }
        for line in lines {
            guard let appended = curl_slist_append(resources.headers, line) else {
                throw invalid("curl_slist_append failed")
            }
            resources.headers = appended
        }
        try options.check(sluice_curl_setopt_slist(options.handle, CURLOPT_HTTPHEADER, resources.headers), "HTTPHEADER")
    }

    private func isValid(_ header: HTTPHeader) -> Bool {
        let forbiddenInName: Set<Character> = [":", " ", "\t", "\r", "\n", "\0", ";"]
        let forbiddenInValue: Set<Character> = ["\r", "\n", "\0", "\r\n"]
        return !header.name.isEmpty && !header.name.contains(where: forbiddenInName.contains)
            && !header.value.contains(where: forbiddenInValue.contains)
    }

    private func invalid(_ message: String) -> HTTPError {
        HTTPError(code: .invalidRequest, message: message, url: request.url)
    }

    private func fileError(_ message: String) -> HTTPError {
        HTTPError(code: .file, message: message, url: request.url)
    }
}
