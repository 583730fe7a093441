import Crypto

/// The identity of one request, whatever row or file it came from: SHA-256 of who answers it and of its
/// rendered body (model, parameters, messages, output schema) without the custom id.
///
/// Two rows with the same key get the same answer, so the answer is bought once (dedupe within a file)
/// and kept (the result cache across files).
public struct RequestKey: Hashable, Sendable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32, "a request key is a SHA-256 digest")
        self.bytes = bytes
    }

    /// Lowercase hex, as stored in reference files.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The key written as `hex`; nil for anything else.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        var i = 0
        while i < 64 {
            guard let high = nibble(utf8[i]), let low = nibble(utf8[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
            i += 2
        }
        self.bytes = bytes
    }

    /// The first 128 bits, for the in-memory dedupe table (collisions at 2^-64 odds per pair of a file's rows).
    var short: ShortKey {
        var a: UInt64 = 0
        var b: UInt64 = 0
        for i in 0..<8 {
            a = a << 8 | UInt64(bytes[i])
            b = b << 8 | UInt64(bytes[8 + i])
        }
        return ShortKey(a: a, b: b)
    }

    struct ShortKey: Hashable {
        var a: UInt64
        var b: UInt64
    }
}

/// Computes request keys for one pipeline: the provider's identity is part of every key, so an answer from
/// the local emulator is never served to a pipeline that talks to OpenAI, nor one model server's to another.
public struct RequestKeying: Sendable {
    let identity: [UInt8]

    public init(spec: PipelineSpec) {
        var identity = "sluice-request-v1\n" + spec.provider.rawValue + "\n"
        switch spec.provider {
        case .openaiCompatible, .realtime: identity += (spec.baseURL ?? "") + "\n"
        case .openai, .anthropic, .local: identity += "\n"
        }
        self.identity = Array(identity.utf8)
    }

    /// The key of a rendered request line (`{"custom_id":"…",…}` with or without its newline).
    public func key(line: ArraySlice<UInt8>) -> RequestKey {
        var hasher = SHA256()
        hasher.update(data: identity)
        hasher.update(data: Self.body(of: line))
        return RequestKey(bytes: Array(hasher.finalize()))
    }

    /// The line after its custom id's value (from the closing quote on), without a trailing newline:
    /// identical for two rows exactly when their requests are.
    static func body(of line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var index = line.startIndex + RetryPlanner.customIDPrefix.count - 1
        while index < line.endIndex && line[index] != UInt8(ascii: "\"") { index += 1 }
        var end = line.endIndex
        while end > index, line[end - 1] == 0x0A { end -= 1 }
        return line[index..<end]
    }
}
