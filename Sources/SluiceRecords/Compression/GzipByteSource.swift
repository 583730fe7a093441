internal import CZlib

/// Inflates a gzip (or zlib) stream read from another source, member after member (`cat a.gz b.gz`).
///
/// Inflates straight into the caller's buffer; only the compressed input is staged here.
public final class GzipByteSource: ByteSource {
    /// Compressed bytes pulled from the underlying source so far (for progress).
    public private(set) var compressedBytesRead: Int64 = 0
    /// Decompressed bytes handed out so far.
    public private(set) var bytesProduced: Int64 = 0
    /// The file name used in errors.
    public let path: String?

    private let inner: any ByteSource
    // zlib keeps pointers into its own z_stream (state->strm), so the struct must never move: allocated once here.
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var innerEnded = false
    private var finished = false
    /// Members inflated to their end so far (more than one in `cat a.gz b.gz`).
    private var membersEnded = 0

    /// Wraps `inner`; `inputBufferSize` is how many compressed bytes are pulled per read.
    public init(inner: any ByteSource, path: String? = nil, inputBufferSize: Int = 256 << 10) throws(RecordsError) {
        precondition(inputBufferSize > 0, "inputBufferSize must be positive")
        self.inner = inner
        self.path = path
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = UnsafeMutableRawBufferPointer.allocate(byteCount: inputBufferSize, alignment: 16)
        // 32 + 15: detect gzip or zlib headers automatically, largest window.
        let status = sluice_inflateInit2(stream, 32 + 15)
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            input.deallocate()
            throw RecordsError(
                code: RecordsError.Code.io,
                message: "inflateInit2 failed with zlib status \(status)",
                path: path
            )
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
    }

    /// Inflates into `buffer` until it is full or the last member ends.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(RecordsError) -> Int {
        guard !finished, let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let capacity = min(buffer.count, Int(UInt32.max))
        stream.pointee.next_out = base.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(capacity)
        defer { stream.pointee.next_out = nil }

        while stream.pointee.avail_out > 0 {
            if stream.pointee.avail_in == 0 && !innerEnded { try refill() }
            let status = inflate(stream, Z_NO_FLUSH)
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                // A member ended. More input means another member follows (multi-member gzip).
                if stream.pointee.avail_in == 0 && !innerEnded { try refill() }
                if stream.pointee.avail_in == 0 {
                    finished = true
                    return produced(capacity)
                }
                inflateReset(stream)
                membersEnded += 1
            case Z_BUF_ERROR:
                // No progress possible: only happens when input ran out mid-member.
                if stream.pointee.avail_in == 0 && innerEnded {
                    let count = produced(capacity)
                    if count > 0 { return count }  // hand out what we have; the next read reports the truncation
                    throw error(RecordsError.Code.gzipTruncated, "gzip stream ends in the middle of a member")
                }
                if stream.pointee.avail_in > 0 {
                    // Cannot happen with output space left; refuse to spin if zlib ever says so.
                    throw error(RecordsError.Code.gzipCorrupt, "gzip data is corrupt: inflate made no progress")
                }
            case Z_MEM_ERROR:
                throw error(RecordsError.Code.io, "zlib is out of memory")
            default:
                // Z_DATA_ERROR (bad header, bad deflate data, CRC or length mismatch), Z_NEED_DICT, Z_STREAM_ERROR.
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                if membersEnded > 0 && reason == "incorrect header check" {
                    // What follows a complete member is not another member: say so rather than zlib's words.
                    throw error(
                        RecordsError.Code.gzipCorrupt,
                        "gzip data is corrupt: bytes after gzip member \(membersEnded) are not gzip (trailing garbage)")
                }
                throw error(RecordsError.Code.gzipCorrupt, "gzip data is corrupt: \(reason)")
            }
        }
        return produced(capacity)
    }

    private func produced(_ capacity: Int) -> Int {
        let count = capacity - Int(stream.pointee.avail_out)
        bytesProduced += Int64(count)
        return count
    }

    private func refill() throws(RecordsError) {
        let count = try inner.read(into: input)
        if count == 0 {
            innerEnded = true
            return
        }
        compressedBytesRead += Int64(count)
        stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = uInt(count)
    }

    private func error(_ code: String, _ message: String) -> RecordsError {
        // The offset is in the compressed stream: that is where the damage is.
        RecordsError(
            code: code,
            message: message,
            path: path,
            byteOffset: compressedBytesRead - Int64(stream.pointee.avail_in)
        )
    }
}
