import Logging
import ServiceLifecycle

/// Runs batches in the background: picks up every unfinished batch (new ones, and those a restart
/// interrupted) and drives each with its own task — `BatchJob` for OpenAI batches, `MessageBatchJob` for
/// Anthropic Message Batches; `WorkSlots` bound the heavy work inside.
struct BatchWorker: Service {
    let store: EmulatorStore
    let job: BatchJob
    let messageBatchJob: MessageBatchJob

    /// Loads the state, then starts a job per unfinished batch whenever woken, until graceful shutdown.
    func run() async throws {
        try await store.load()
        await withDiscardingTaskGroup { group in
            var running = Set<String>()
            for await event in store.events.cancelOnGracefulShutdown() {
                if case .finished(let id) = event { running.remove(id) }
                for id in await store.unfinishedBatchIDs() where !running.contains(id) {
                    running.insert(id)
                    group.addTask { [store, job] in
                        await job.run(id)
                        store.notify(.finished(id))
                    }
                }
                for id in await store.unfinishedMessageBatchIDs() where !running.contains(id) {
                    running.insert(id)
                    group.addTask { [store, messageBatchJob] in
                        await messageBatchJob.run(id)
                        store.notify(.finished(id))
                    }
                }
            }
            group.cancelAll()
        }
    }
}
