import Logging

/// The steps of a file's life that operators follow in the log, each a line with `event=<name>`.
///
/// The names are a contract (dashboards and log queries filter on them): add, never rename.
public enum LifeEvent: String, Sendable, CaseIterable {
    /// The daemon noticed the file in an inbox (it may still be settling).
    case received
    /// Moved out of the inbox into `.sluice/` and recorded as a drop.
    case claimed
    /// Rendered and cut into chunks on disk.
    case staged
    /// Held for approval (over budget): nothing was sent.
    case held
    /// One chunk became a batch at the provider.
    case submitted
    /// One batch ended at the provider (any terminal status) and its results were joined.
    case completed
    /// The outputs and the manifest are in the outbox.
    case written
    /// The enriched rows went on into the next pipeline's inbox (`then:`).
    case chained
    /// The source and results were moved under `.sluice/archive/`.
    case archived
    /// The file cannot be processed; its manifest says why.
    case rejected
    /// The daemon's periodic summary: backlog and work in flight.
    case heartbeat
}

extension Logger {
    /// Logs a life event: the message is the event's name and `event` carries it as metadata too, so text and
    /// JSON logs can both be filtered on it.
    public func event(
        _ event: LifeEvent, level: Logger.Level = .info, _ metadata: Logger.Metadata = [:],
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        var fields = metadata
        fields["event"] = "\(event.rawValue)"
        log(level: level, "\(event.rawValue)", metadata: fields, file: file, function: function, line: line)
    }
}
