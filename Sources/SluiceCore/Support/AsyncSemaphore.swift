/// Bounds how many tasks do something at once (uploads, downloads, files in flight), first come first served.
///
/// Waiting is cancellable: a task cancelled while queued leaves the queue and throws `CancellationError`.
public actor AsyncSemaphore {
    private var available: Int
    private var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID = 0

    public init(_ permits: Int) {
        precondition(permits > 0, "a semaphore needs at least one permit")
        available = permits
    }

    /// Runs `body` holding one permit.
    public func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async throws {
        try Task.checkCancellation()
        if available > 0 {
            available -= 1
            return
        }
        let id = nextID
        nextID += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append((id, continuation))
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    private func release() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().continuation.resume()
        }
    }
}

/// The limits shared by every drop a process works on.
public struct TransferLimits: Sendable {
    public let uploads: AsyncSemaphore
    public let downloads: AsyncSemaphore
    /// One create call at a time for providers that keep no batch metadata (Anthropic): after a crash at
    /// most one create is unaccounted for, so the batch found by size and time is unambiguous.
    public let untaggedCreates: AsyncSemaphore

    public init(uploads: Int = 2, downloads: Int = 2) {
        self.uploads = AsyncSemaphore(uploads)
        self.downloads = AsyncSemaphore(downloads)
        untaggedCreates = AsyncSemaphore(1)
    }
}

/// Exponential backoff with jitter, for calls the engine retries itself (polling, submission).
public struct Backoff: Sendable {
    public private(set) var current: Duration
    public let max: Duration
    public let factor: Double

    public init(initial: Duration, max: Duration, factor: Double = 1.5) {
        current = initial
        self.max = max
        self.factor = factor
    }

    /// The wait before the next try (±20% jitter, so many batches do not poll in step), then grows.
    public mutating func next() -> Duration {
        let wait = current * Double.random(in: 0.8...1.2)
        current = Swift.min(current * factor, max)
        return wait
    }
}
