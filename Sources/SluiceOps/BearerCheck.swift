/// Whether a request may see the protected endpoints: with a token configured, its `Authorization` header must
/// be `Bearer <token>`; without one, every request may.
public struct BearerCheck: Sendable {
    let token: [UInt8]?

    /// `token` nil: no token asked.
    public init(token: String?) { self.token = token.map { Array($0.utf8) } }

    public var required: Bool { token != nil }

    /// True when `authorization` (the header's value, nil when absent) carries the token. The comparison takes
    /// the same time wherever the first difference is, so the token cannot be guessed byte by byte from timings.
    public func allows(authorization: String?) -> Bool {
        guard let token else { return true }
        guard let authorization else { return false }
        let scheme = "bearer "
        let bytes = Array(authorization.utf8)
        guard bytes.count > scheme.utf8.count,
            String(decoding: bytes.prefix(scheme.utf8.count), as: UTF8.self).lowercased() == scheme
        else { return false }
        return Self.constantTimeEqual(Array(bytes.dropFirst(scheme.utf8.count)), token)
    }

    /// Compares every byte of the longer input; only the lengths' difference is not hidden (a token's length is
    /// no secret worth the complexity).
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}
