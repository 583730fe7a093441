internal import CCurl

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// libcurl's callbacks. They are plain functions (no captures) so they convert to C function
// pointers; the per-transfer state arrives as the `*DATA` pointer, an unretained TransferContext.

private func context(_ pointer: UnsafeMutableRawPointer?) -> TransferContext? {
    pointer.map { Unmanaged<TransferContext>.fromOpaque($0).takeUnretainedValue() }
}

/// CURLOPT_WRITEFUNCTION: returning less than `size * count` makes libcurl fail with CURLE_WRITE_ERROR.
func curlWriteCallback(
    _ buffer: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ userdata: UnsafeMutableRawPointer?
) -> Int {
    let length = size * count
    guard let context = context(userdata) else { return 0 }
    guard length > 0, let buffer else { return length }
    return context.acceptBody(UnsafeRawBufferPointer(start: buffer, count: length)) ? length : 0
}

/// CURLOPT_HEADERFUNCTION: one call per header line, status lines included.
func curlHeaderCallback(
    _ buffer: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ userdata: UnsafeMutableRawPointer?
) -> Int {
    let length = size * count
    guard let context = context(userdata), let buffer else { return length }
    context.acceptHeaderLine(UnsafeRawBufferPointer(start: buffer, count: length))
    return length
}

/// CURLOPT_READFUNCTION for `.file` bodies: fills libcurl's buffer from the upload file.
func curlReadCallback(
    _ buffer: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ userdata: UnsafeMutableRawPointer?
) -> Int {
    guard let context = context(userdata), let buffer else { return sluice_curl_readfunc_abort() }
    while true {
        let result = read(context.uploadFD, buffer, size * count)
        if result >= 0 { return result }
        if errno == EINTR { continue }
        context.fileFailure = "reading the upload file failed: \(String(cString: strerror(errno)))"
        return sluice_curl_readfunc_abort()
    }
}

/// CURLOPT_SEEKFUNCTION: rewinds the upload file when libcurl has to send the body again.
func curlSeekCallback(_ userdata: UnsafeMutableRawPointer?, _ offset: curl_off_t, _ origin: Int32) -> Int32 {
    guard let context = context(userdata), context.uploadFD >= 0 else { return 2 }  // CURL_SEEKFUNC_CANTSEEK
    return lseek(context.uploadFD, off_t(offset), origin) < 0 ? 1 : 0  // CURL_SEEKFUNC_FAIL : CURL_SEEKFUNC_OK
}

/// CURLOPT_XFERINFOFUNCTION: called at least once a second, even when stalled; non-zero aborts.
func curlProgressCallback(
    _ userdata: UnsafeMutableRawPointer?,
    _ dltotal: curl_off_t,
    _ dlnow: curl_off_t,
    _ ultotal: curl_off_t,
    _ ulnow: curl_off_t
) -> Int32 {
    guard let context = context(userdata) else { return 0 }
    return context.cancellation.isRaised ? 1 : 0
}

extension TransferContext {
    /// Takes one chunk of body; false stops the transfer (limit reached or file write failed).
    func acceptBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if bodyGoesToFile == nil {
            // Decided once, at the first byte of the final response: only a 2xx body is the payload
            // the caller asked to store; an error body stays in memory so it can be read.
            var status = 0
            _ = sluice_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            bodyGoesToFile = downloadFD >= 0 && (200..<300).contains(status)
        }
        if bodyGoesToFile == true {
            guard writeAll(bytes) else { return false }
        } else {
            guard body.count + bytes.count <= maxInMemoryBytes else {
                exceededMemoryLimit = true
                return false
            }
            body.append(contentsOf: bytes)
        }
        bodyBytes += Int64(bytes.count)
        return true
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = write(downloadFD, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                fileFailure = "writing the response file failed: \(String(cString: strerror(errno)))"
                return false
            }
            offset += written
        }
        return true
    }

    /// Records one header line; a status line starts a new header set (after 1xx responses).
    func acceptHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            headers = [:]
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingWhitespace().lowercased()
        guard !name.isEmpty else { return }
        headers[name] = String(line[line.index(after: colon)...].trimmingWhitespace())
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs, CR and LF.
    func trimmingWhitespace() -> SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return self[endIndex...] }
        let last = lastIndex(where: { !isSpace($0) })!
        return self[first...last]
    }
}
