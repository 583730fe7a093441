/// Why a whole file cannot be processed: it gets a `rejected` manifest with this reason.
public struct DropRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable code, e.g. `drop.unsupported_format`, `records.gzip_corrupt`, `drop.missing_column`.
    public var code: String
    public var reason: String

    public init(code: String, reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
}
