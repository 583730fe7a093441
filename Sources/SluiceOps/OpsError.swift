/// Why the ops endpoint cannot start; `code` is stable (scripts and tests match on it).
public struct OpsError: Error, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
