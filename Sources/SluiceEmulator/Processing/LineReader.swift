#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams a file line by line in 4 MB reads; memory stays at one read plus the longest line.
enum LineReader {
    /// Calls `body` with each line's 1-based number and bytes (without `\n` / `\r\n`); `body` returns
    /// false to stop early. Blocking: call it from an owned thread.
    static func forEachLine(
        path: String, _ body: (_ number: Int, _ line: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FileIOError.current("open", path) }
        defer { close(fd) }
        let size = max(0, Int(lseek(fd, 0, SEEK_END)))
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw FileIOError.current("lseek", path) }
        // 4 MB reads for big files; small files need no more than their size.
        var buffer = [UInt8](repeating: 0, count: min(4 << 20, max(64 << 10, size + 1)))
        var filled = 0
        var number = 0
        var atEOF = false
        while !atEOF {
            if filled == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if got < 0 {
                if errno == EINTR { continue }
                throw FileIOError.current("read", path)
            }
            atEOF = got == 0
            filled += got
            var consumed = 0
            var stop = false
            try buffer.withUnsafeBytes { raw in
                while consumed < filled {
                    let rest = UnsafeRawBufferPointer(rebasing: raw[consumed..<filled])
                    let end: Int
                    if let hit = memchr(rest.baseAddress!, 0x0A, rest.count) {
                        end = consumed + (UnsafeRawPointer(hit) - rest.baseAddress!)
                    } else if atEOF {
                        end = filled
                    } else {
                        break
                    }
                    let lineStart = consumed
                    var lineEnd = end
                    if lineEnd > lineStart && raw[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                    number += 1
                    consumed = min(filled, end + 1)
                    if try !body(number, UnsafeRawBufferPointer(rebasing: raw[lineStart..<lineEnd])) {
                        stop = true
                        return
                    }
                }
            }
            if stop { return }
            if consumed > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    let base = raw.baseAddress!
                    memmove(base, base + consumed, filled - consumed)
                }
                filled -= consumed
            }
        }
    }
}
