import Foundation
import Logging
import SluiceJSON
import Synchronization

/// A swift-log handler writing one JSON object per line: `ts` (ISO-8601 UTC with milliseconds), `level`,
/// `msg`, then every metadata key as a field of its own, for log shippers that index fields.
///
/// Metadata named like the fixed fields is left out rather than allowed to overwrite them. Lines go through
/// one `LogLineWriter`, so lines from different threads never interleave.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let writer: LogLineWriter

    public init(writer: LogLineWriter = .standardError, metadataProvider: Logger.MetadataProvider? = nil) {
        self.writer = writer
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let own = event.metadata { fields.merge(own) { $1 } }
        if let error = event.error, fields["error"] == nil { fields["error"] = "\(error)" }
        writer.write(Self.line(date: Date(), level: event.level, message: "\(event.message)", metadata: fields))
    }

    /// The JSON line (without its newline) for one event; metadata keys sorted, for stable output.
    public static func line(date: Date, level: Logger.Level, message: String, metadata: Logger.Metadata) -> [UInt8] {
        var object = JSONObject([
            ("ts", .string(timestamp(date))), ("level", .string(level.rawValue)), ("msg", .string(message)),
        ])
        for key in metadata.keys.sorted() where object[key] == nil {
            object[key] = json(metadata[key]!)
        }
        return JSONWriter.bytes(.object(object))
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let item): .string(item.description)
        case .array(let items): .array(items.map(json))
        case .dictionary(let entries): .object(JSONObject(entries.keys.sorted().map { ($0, json(entries[$0]!)) }))
        }
    }

    /// `2026-12-01T13:45:07.123Z`: computed with `gmtime_r` (formatters are neither cheap nor shared safely).
    static func timestamp(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = time_t(interval.rounded(.down))
        var millis = Int(((interval - Double(seconds)) * 1000).rounded(.down))
        if millis > 999 { (seconds, millis) = (seconds + 1, 0) }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ n: Int32, _ width: Int) -> String {
            let text = String(n)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }
}

/// Where log lines go: each line is one `write(2)` of the whole line and its newline, under a lock, so lines
/// from concurrent tasks never interleave (and a short write is finished before the next line starts).
public final class LogLineWriter: Sendable {
    private let fd: Int32
    private let lock = Mutex(())

    /// Writes to the standard error stream.
    public static let standardError = LogLineWriter(fd: STDERR_FILENO)

    public init(fd: Int32) { self.fd = fd }

    public func write(_ line: [UInt8]) {
        var bytes = line
        bytes.append(0x0A)
        lock.withLock { _ in
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n > 0 {
                        offset += n
                    } else if n < 0 && errno == EINTR {
                        continue
                    } else {
                        return  // a closed stderr: nothing sensible to do with a log line
                    }
                }
            }
        }
    }
}
