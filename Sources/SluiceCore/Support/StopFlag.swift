import Synchronization

/// A flag raised from any thread to ask blocking work (staging, assembly) to stop early.
///
/// Blocking loops run on threads of their own and cannot see Swift task cancellation; `Blocking.run`
/// raises this flag when its task is cancelled, and the loops poll it every few thousand rows, so a
/// SIGTERM reaches a recorded state in well under a second even in the middle of a multi-GB file.
public final class StopFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    public init() {}

    public func raise() { raised.store(true, ordering: .relaxed) }
    public var isRaised: Bool { raised.load(ordering: .relaxed) }
}

/// Thrown by blocking work that stopped because its `StopFlag` was raised.
public struct StoppedEarly: Error, Sendable {
    public init() {}
}
