internal import CZlib

/// A gzip compressor (deflate, windowBits 16 + 15) that hands its output to a closure in chunks.
final class GzipDeflater {
    // zlib keeps pointers into its own z_stream, so the struct must never move: allocated once here.
    private let stream: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutableRawBufferPointer

    /// Starts a gzip member at `level` (0...9, or -1 for zlib's default).
    init(level: Int32, path: String, outputBufferSize: Int = 256 << 10) throws(RecordsError) {
        precondition((-1...9).contains(level), "gzip level must be -1...9, got \(level)")
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = UnsafeMutableRawBufferPointer.allocate(byteCount: outputBufferSize, alignment: 16)
        // memLevel 8 is zlib's default; 16 + 15 asks for a gzip header and trailer with the largest window.
        let status = sluice_deflateInit2(stream, level, 16 + 15, 8, Z_DEFAULT_STRATEGY)
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            output.deallocate()
            throw RecordsError(
                code: RecordsError.Code.io,
                message: "deflateInit2 failed with zlib status \(status)",
                path: path
            )
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        output.deallocate()
    }

    /// Compresses `input`, passing every full output chunk to `emit`; with `finish`, also ends the member.
    func compress(
        _ input: UnsafeRawBufferPointer,
        finish: Bool,
        emit: (UnsafeRawBufferPointer) throws(RecordsError) -> Void
    ) throws(RecordsError) {
        var remaining = input
        repeat {
            // avail_in is 32-bit: feed very large inputs in slices.
            let slice = min(remaining.count, 1 << 30)
            stream.pointee.next_in = UnsafeMutablePointer(
                mutating: remaining.baseAddress?.assumingMemoryBound(to: Bytef.self)
            )
            stream.pointee.avail_in = uInt(slice)
            remaining = UnsafeRawBufferPointer(rebasing: remaining[slice...])
            let flush = finish && remaining.isEmpty ? Z_FINISH : Z_NO_FLUSH
            var status: Int32
            repeat {
                stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(output.count)
                status = deflate(stream, flush)
                guard status != Z_STREAM_ERROR else {
                    throw RecordsError(code: RecordsError.Code.io, message: "deflate failed: stream state is invalid")
                }
                let produced = output.count - Int(stream.pointee.avail_out)
                if produced > 0 { try emit(UnsafeRawBufferPointer(rebasing: output[..<produced])) }
            } while stream.pointee.avail_out == 0
            if flush == Z_FINISH && status != Z_STREAM_END {
                throw RecordsError(
                    code: RecordsError.Code.io,
                    message: "deflate did not end the stream (status \(status))"
                )
            }
        } while !remaining.isEmpty
        stream.pointee.next_in = nil
    }
}
