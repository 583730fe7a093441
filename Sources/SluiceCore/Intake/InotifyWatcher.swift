import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An inotify notice about an inbox. A hint only: the directory listing is the truth.
public struct InboxEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case closedAfterWrite
        case movedIn
        case created
        /// The kernel queue overflowed: events were lost, rescan everything.
        case overflow
        /// The watched folder was deleted or moved: watch it again after recreating it.
        case directoryGone
    }

    public var key: String
    public var name: String
    public var kind: Kind

    public init(key: String, name: String, kind: Kind) {
        self.key = key
        self.name = name
        self.kind = kind
    }
}

/// Why inotify cannot be used.
public struct IntakeError: Error, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var description: String { "\(code): \(message)" }
}

/// Watches inbox folders with inotify on a thread it owns.
///
/// The thread waits in `poll(2)` with a short timeout so `stop()` is noticed; events are delivered on an
/// `AsyncStream`. Swift's cooperative pool never blocks on the descriptor.
public final class InotifyWatcher: Sendable {
    private let fd: Int32
    private let state = Mutex<(keys: [Int32: String], dirs: [String: Int32], stopped: Bool)>(([:], [:], false))
    private let continuation: AsyncStream<InboxEvent>.Continuation
    public let events: AsyncStream<InboxEvent>

    static let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF)

    public init() throws {
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else {
            throw IntakeError(code: "intake.inotify_unavailable", message: String(cString: strerror(errno)))
        }
        (events, continuation) = AsyncStream.makeStream(of: InboxEvent.self, bufferingPolicy: .bufferingNewest(10_000))
        let thread = Thread { [self] in self.loop() }
        thread.name = "sluice-inotify"
        thread.start()
    }

    deinit { stop() }

    /// Watches `directory`, reporting its events under `key`; watching it again is a no-op.
    public func watch(directory: String, key: String) throws {
        let wd = inotify_add_watch(fd, directory, Self.mask)
        guard wd >= 0 else {
            throw IntakeError(code: "intake.watch_failed", message: "\(directory): \(String(cString: strerror(errno)))")
        }
        state.withLock {
            $0.keys[wd] = key
            $0.dirs[key] = wd
        }
    }

    public func unwatch(key: String) {
        let wd = state.withLock { s -> Int32? in
            guard let wd = s.dirs.removeValue(forKey: key) else { return nil }
            s.keys[wd] = nil
            return wd
        }
        if let wd { inotify_rm_watch(fd, wd) }
    }

    /// Ends the thread and the stream; idempotent.
    public func stop() {
        state.withLock { $0.stopped = true }
    }

    private func loop() {
        // inotify_event is variable-length; an 8-byte aligned buffer keeps every header read aligned.
        let capacity = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: MemoryLayout<inotify_event>.alignment)
        defer {
            buffer.deallocate()
            close(fd)
            continuation.finish()
        }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while !state.withLock({ $0.stopped }) {
            let ready = poll(&pfd, 1, 250)
            guard ready > 0 else { continue }
            let count = read(fd, buffer, capacity)
            guard count > 0 else { continue }
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            while offset + header <= count {
                let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
                let nameLength = Int(event.len)
                var name = ""
                if nameLength > 0 {
                    let start = buffer.advanced(by: offset + header).assumingMemoryBound(to: CChar.self)
                    name = String(cString: start)
                }
                offset += header + nameLength
                deliver(event, name: name)
            }
        }
    }

    private func deliver(_ event: inotify_event, name: String) {
        let mask = event.mask
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
            continuation.yield(InboxEvent(key: "", name: "", kind: .overflow))
            return
        }
        guard let key = state.withLock({ $0.keys[event.wd] }) else { return }
        if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED) != 0 {
            state.withLock {
                $0.keys[event.wd] = nil
                if $0.dirs[key] == event.wd { $0.dirs[key] = nil }
            }
            continuation.yield(InboxEvent(key: key, name: "", kind: .directoryGone))
            return
        }
        let kind: InboxEvent.Kind
        if mask & UInt32(IN_MOVED_TO) != 0 {
            kind = .movedIn
        } else if mask & UInt32(IN_CLOSE_WRITE) != 0 {
            kind = .closedAfterWrite
        } else if mask & UInt32(IN_CREATE) != 0 {
            kind = .created
        } else {
            return
        }
        continuation.yield(InboxEvent(key: key, name: name, kind: kind))
    }
}
