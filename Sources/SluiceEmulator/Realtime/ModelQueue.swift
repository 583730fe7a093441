import Dispatch

/// Runs realtime model work (parse, answer, serialise) on libdispatch threads, off the cooperative pool.
///
/// The pool has two threads on these machines and also runs every HTTP handler; a large schema or a
/// 3,072-dimension embedding answered there would stall the other connections. A concurrent queue that
/// never blocks is kept to about one thread per core by libdispatch.
final class ModelQueue: Sendable {
    private let queue = DispatchQueue(label: "sluice.emulator.realtime-model", attributes: .concurrent)

    /// Runs `work` on the queue and resumes with its result.
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }
}
