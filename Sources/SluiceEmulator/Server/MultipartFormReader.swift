#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Hummingbird

/// Why a multipart body could not be read.
struct MultipartError: Error {
    let message: String
}

/// Reads a `multipart/form-data` body part by part as it arrives, never holding more than a network chunk
/// plus one delimiter in memory, so 200 MB uploads stream straight to disk.
///
/// Use: `nextPart()` gives the next part's head; `nextChunk()` then yields its content until nil.
/// Not thread-safe: one request handler owns it.
final class MultipartFormReader {
    /// Name, filename and content type of a part, from its headers.
    struct PartHead {
        var name: String?
        var filename: String?
        var contentType: String?
    }

    private enum State { case preamble, content, afterDelimiter, done }

    private var iterator: RequestBody.AsyncIterator
    private var pending: [UInt8]
    private var start = 0
    private let delimiter: [UInt8]
    private var state = State.preamble

    /// A reader over `body` for parts separated by `boundary`.
    init(body: RequestBody, boundary: String) {
        iterator = body.makeAsyncIterator()
        delimiter = Array("\r\n--\(boundary)".utf8)
        // A virtual CRLF in front lets the first boundary match the same delimiter as the others.
        pending = [0x0D, 0x0A]
    }

    /// The boundary parameter of a `multipart/form-data` content type, or nil if it is not one.
    static func boundary(contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingSpaces }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for part in parts.dropFirst() where part.lowercased().hasPrefix("boundary=") {
            var value = part.dropFirst("boundary=".count)
            if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 { value = value.dropFirst().dropLast() }
            return value.isEmpty ? nil : String(value)
        }
        return nil
    }

    /// Skips what is left of the current part and returns the next part's head, or nil after the last part.
    func nextPart() async throws -> PartHead? {
        while state == .preamble || state == .content {
            _ = try await nextChunk()
        }
        guard state == .afterDelimiter else { return nil }
        try await fill(2)
        if pending[start] == UInt8(ascii: "-") && pending[start + 1] == UInt8(ascii: "-") {
            state = .done
            return nil
        }
        _ = try await readLine()  // rest of the boundary line (transport padding)
        var head = PartHead()
        var headerBytes = 0
        while true {
            let line = try await readLine()
            headerBytes += line.count
            guard headerBytes < 16 * 1024 else { throw MultipartError(message: "part headers too long") }
            if line.isEmpty { break }
            let text = String(decoding: line, as: UTF8.self)
            guard let colon = text.firstIndex(of: ":") else { continue }
            let field = text[..<colon].lowercased()
            let value = text[text.index(after: colon)...].trimmingSpaces
            if field == "content-disposition" {
                let params = Self.parameters(value)
                head.name = params["name"]
                head.filename = params["filename"]
            } else if field == "content-type" {
                head.contentType = value
            }
        }
        state = .content
        return head
    }

    /// The next piece of the current part's content, or nil at its end.
    func nextChunk() async throws -> [UInt8]? {
        try await nextPiece { Array($0) }
    }

    /// The next piece of the current part's content as a `ByteBuffer`, at most `limit` bytes of it copied (an
    /// upload's file content goes to disk in these: one copy fewer than through `nextChunk`), or nil at its end.
    /// `count` is the piece's whole length.
    func nextBuffer(limit: Int) async throws -> (buffer: ByteBuffer, count: Int)? {
        try await nextPiece { (ByteBuffer(bytes: $0.prefix(max(0, limit))), $0.count) }
    }

    private func nextPiece<T>(_ make: (ArraySlice<UInt8>) -> T) async throws -> T? {
        guard state == .content || state == .preamble else { return nil }
        while true {
            if let hit = find(delimiter) {
                let range = start..<hit
                start = hit + delimiter.count
                let wasPreamble = state == .preamble
                state = .afterDelimiter
                return range.isEmpty || wasPreamble ? nil : make(pending[range])
            }
            let safeEnd = pending.count - (delimiter.count - 1)
            if safeEnd > start {
                let range = start..<safeEnd
                start = safeEnd
                if state == .preamble { continue }
                return make(pending[range])
            }
            guard try await pull() else { throw MultipartError(message: "body ended inside a part") }
        }
    }

    /// Content-Disposition parameters (`name`, `filename`), quotes removed, quoted `;` respected.
    static func parameters(_ value: String) -> [String: String] {
        var result: [String: String] = [:]
        var pieces: [String] = []
        var current = ""
        var quoted = false
        for c in value {
            if c == "\"" { quoted.toggle() }
            if c == ";" && !quoted {
                pieces.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        pieces.append(current)
        for piece in pieces {
            guard let eq = piece.firstIndex(of: "=") else { continue }
            let key = piece[..<eq].trimmingSpaces.lowercased()
            var v = piece[piece.index(after: eq)...].trimmingSpaces
            if v.hasPrefix("\"") && v.hasSuffix("\"") && v.count >= 2 { v = String(v.dropFirst().dropLast()) }
            result[key] = v.replacingBackslashEscapes
        }
        return result
    }

    /// Where `needle` next starts in `pending` (from `start`). memchr for its first byte, then memcmp: a Swift
    /// byte loop here was a visible share of an upload's CPU, and JSONL holds few `\r` bytes to stop at.
    private func find(_ needle: [UInt8]) -> Int? {
        let (from, count) = (start, pending.count)
        guard count - from >= needle.count else { return nil }
        return pending.withUnsafeBytes { raw -> Int? in
            let base = raw.baseAddress!
            let last = count - needle.count
            var i = from
            while i <= last, let hit = memchr(base + i, Int32(needle[0]), last - i + 1) {
                let at = UnsafeRawPointer(hit) - base
                if memcmp(base + at, needle, needle.count) == 0 { return at }
                i = at + 1
            }
            return nil
        }
    }

    private func readLine() async throws -> [UInt8] {
        while true {
            if let end = find([0x0D, 0x0A]) {
                let line = Array(pending[start..<end])
                start = end + 2
                return line
            }
            guard pending.count - start < 16 * 1024 else { throw MultipartError(message: "header line too long") }
            guard try await pull() else { throw MultipartError(message: "body ended inside part headers") }
        }
    }

    private func fill(_ count: Int) async throws {
        while pending.count - start < count {
            guard try await pull() else { throw MultipartError(message: "body ended after a boundary") }
        }
    }

    /// Appends the next network chunk; false at the end of the body.
    private func pull() async throws -> Bool {
        guard let buffer = try await iterator.next() else { return false }
        if start > 0 && start >= pending.count / 2 {
            pending.removeFirst(start)
            start = 0
        }
        pending.append(contentsOf: buffer.readableBytesView)
        return true
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }

    /// The text with `\"` and `\\` unescaped, as in quoted header parameters.
    var replacingBackslashEscapes: String {
        guard contains("\\") else { return String(self) }
        var out = ""
        var escaped = false
        for c in self {
            if escaped || c != "\\" {
                out.append(c)
                escaped = false
            } else {
                escaped = true
            }
        }
        return out
    }
}
