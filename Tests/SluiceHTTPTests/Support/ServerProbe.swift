import Synchronization

/// What a test server saw: hits per route and one-shot events, shared with the test body.
final class ServerProbe: Sendable {
    /// Invariant: the counts only grow; keys are route names.
    private let counts = Mutex<[String: Int]>([:])
    /// Invariant: values are appended in arrival order.
    private let values = Mutex<[String: [String]]>([:])
    /// Events such as "slow-started", so a test can act at a known point of a transfer.
    let events: AsyncStream<String>
    private let eventSink: AsyncStream<String>.Continuation

    init() {
        (events, eventSink) = AsyncStream<String>.makeStream()
    }

    /// Counts one hit of `route` and returns the new count.
    @discardableResult
    func hit(_ route: String) -> Int {
        counts.withLock { counts in
            counts[route, default: 0] += 1
            return counts[route]!
        }
    }

    /// How many times `route` was hit.
    func hits(_ route: String) -> Int {
        counts.withLock { $0[route, default: 0] }
    }

    /// Records a value seen by `route` (a query parameter, a header).
    func record(_ route: String, _ value: String) {
        values.withLock { $0[route, default: []].append(value) }
    }

    /// The values `route` recorded, in order.
    func recorded(_ route: String) -> [String] {
        values.withLock { $0[route, default: []] }
    }

    /// Signals an event to the waiting test.
    func signal(_ event: String) {
        eventSink.yield(event)
    }

    /// Waits until `event` is signalled.
    func waitFor(_ event: String) async {
        for await seen in events where seen == event { return }
    }
}
