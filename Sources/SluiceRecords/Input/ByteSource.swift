/// A pull-based stream of bytes (a file, an inflating gzip stream, memory).
///
/// Sources are single-owner objects: one thread reads at a time, so they are not `Sendable`.
public protocol ByteSource: AnyObject {
    /// Fills a prefix of `buffer` and returns its length; returns 0 only at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(RecordsError) -> Int
}
