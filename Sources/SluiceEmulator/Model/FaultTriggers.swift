#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SluiceJSON

/// The fault triggers present in a request's text (see `DeterministicModel`).
struct FaultTriggers {
    /// `__sluice_fail__`: answer HTTP 500.
    var fail = false
    /// `__sluice_invalid__`: content violating the schema.
    var invalid = false
    /// `__sluice_notjson__`: content that is not JSON.
    var notJSON = false

    private static let prefix: [UInt8] = Array("__sluice_".utf8)

    /// Scans `text`; one byte search for the shared `__sluice_` prefix keeps trigger-free text cheap.
    init(_ text: String) {
        var copy = text
        let hasPrefix = copy.withUTF8 { utf8 -> Bool in
            guard let base = utf8.baseAddress, utf8.count >= Self.prefix.count else { return false }
            var offset = 0
            let last = utf8.count - Self.prefix.count
            while offset <= last, let hit = memchr(base + offset, 0x5F, last - offset + 1) {
                let at = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
                if memcmp(base + at, Self.prefix, Self.prefix.count) == 0 { return true }
                offset = at + 1
            }
            return false
        }
        guard hasPrefix else { return }
        fail = text.contains(DeterministicModel.failTrigger)
        invalid = text.contains(DeterministicModel.invalidTrigger)
        notJSON = text.contains(DeterministicModel.notJSONTrigger)
    }
}

/// Per-thread memory of the model: the last `response_format` and what it resolved to.
///
/// Every line of a batch usually carries the same schema; checking it once instead of per line is a large
/// part of the per-request cost. Not thread-safe: one processing thread owns it.
final class ModelMemo {
    private var lastFormat: JSONValue = .null
    private var lastShape: Result<ContentShape, APIError>?

    /// The shape for `format` (`.null` when absent), computed by `resolve` unless it equals the previous one.
    func shape(for format: JSONValue, _ resolve: () -> Result<ContentShape, APIError>) -> Result<ContentShape, APIError> {
        if let lastShape, lastFormat == format { return lastShape }
        let shape = resolve()
        lastFormat = format
        lastShape = shape
        return shape
    }
}
