import Foundation
import SluiceJSON

/// Everything a processing thread needs to run one Message Batch.
struct MessageBatchPlan: Sendable {
    /// The batch, also the seed of its ids and bucket placement.
    var batchID: String
    /// The batch's requests, one `{"custom_id","params"}` line each.
    var requestsPath: String
    /// Where the shuffle buckets go.
    var workDirectory: String
    /// The model answering the requests.
    var model: DeterministicModel
    /// Number of requests, for pacing.
    var requestCount: Int
    /// Minimum time to spread the requests over (0 = as fast as possible).
    var pacing: Duration
    /// When `expires_at` is reached: requests not yet processed then end `expired`.
    var deadline: Date
    /// Cancel (the rest become `canceled`) or shutdown (stop at once).
    var signal: StopSignal
    /// Held while computing, released while sleeping.
    var slots: WorkSlots
    /// The line faults drawn per `custom_id`.
    var faults: FaultPlan
    /// `expire`, `stuck` or `fail_validation` when the batch drew one.
    var batchFault: FaultKind?
}

/// How processing a Message Batch ended.
enum MessageBatchEnd: Sendable {
    /// Every request has its result line.
    case finished
    /// The emulator is shutting down; the batch is redone from the start after a restart.
    case shutdown
}

/// Runs every request of a Message Batch through the model and writes one result line per request into
/// shuffle buckets (`ResultBuckets`' output buckets; `ResultAssembly` joins them into the results file).
///
/// Requests processed before a cancel keep their `succeeded`/`errored` result; the rest become `canceled`.
/// Requests still waiting when `expires_at` passes become `expired`.
enum MessageBatchProcessor {
    /// What the remaining requests get.
    private enum Mode {
        case running, canceled, expired
    }

    /// Processes the plan's requests; returns the final counts. Blocking: run it on an owned thread.
    static func run(_ plan: MessageBatchPlan) throws -> (
        end: MessageBatchEnd, counts: MessageBatchCounts, injected: [FaultKind: Int]
    ) {
        try FileManager.default.createDirectory(atPath: plan.workDirectory, withIntermediateDirectories: true)
        var mode = plan.signal.isCancelled ? Mode.canceled : .running
        var holdsSlot = false
        if mode == .running {
            holdsSlot = plan.slots.acquire(for: .answering, unless: plan.signal)
            if !holdsSlot {
                if plan.signal.isShuttingDown { return (.shutdown, MessageBatchCounts(), [:]) }
                mode = .canceled
            }
        }
        defer { if holdsSlot { plan.slots.release() } }
        let buckets = try ResultBuckets(directory: plan.workDirectory)
        var ids = SplitMix64(seed: StableHash.of(plan.batchID, seed: plan.model.seed))
        var placement = SplitMix64(seed: StableHash.of(plan.batchID + "/order", seed: plan.model.seed))
        var counts = MessageBatchCounts()
        var end = MessageBatchEnd.finished
        var injected: [FaultKind: Int] = [:]
        // `expire` and `stuck` let the first half of the requests through.
        let faultFrom =
            plan.batchFault == .expire || plan.batchFault == .stuck ? plan.requestCount / 2 : Int.max
        let start = ContinuousClock.now
        var index = 0
        try LineReader.forEachLine(path: plan.requestsPath) { _, bytes in
            if plan.signal.isShuttingDown {
                end = .shutdown
                return false
            }
            if mode == .running {
                let onTime =
                    plan.pacing <= .zero
                    || Pacing.waitForTurn(
                        pacing: plan.pacing, count: plan.requestCount, index: index, start: start, signal: plan.signal,
                        slots: plan.slots, holdsSlot: &holdsSlot)
                if plan.signal.isShuttingDown {
                    end = .shutdown
                    return false
                }
                if onTime && index >= faultFrom && plan.batchFault == .stuck {
                    _ = Pacing.waitUntilStopped(signal: plan.signal, slots: plan.slots, holdsSlot: &holdsSlot)
                    if plan.signal.isShuttingDown {
                        end = .shutdown
                        return false
                    }
                }
                if !onTime || plan.signal.isCancelled {
                    mode = .canceled
                } else if Date() >= plan.deadline || index >= faultFrom {
                    mode = .expired
                }
                if mode != .running && holdsSlot {
                    // Writing canceled/expired lines is cheap I/O: let other batches compute.
                    plan.slots.release()
                    holdsSlot = false
                }
            }
            index += 1
            guard case .object(let request)? = try? JSONParser.parse(buffer: bytes) else { return true }
            let result: JSONValue
            switch mode {
            case .canceled:
                result = ["type": "canceled"]
                counts.canceled += 1
            case .expired:
                result = ["type": "expired"]
                counts.expired += 1
            case .running where plan.batchFault == .failValidation:
                result = ["type": "errored", "error": Self.failedValidation(index - 1).body]
                counts.errored += 1
            case .running:
                let params = request["params"]?.objectValue ?? JSONObject()
                var fault = request["custom_id"]?.stringValue.flatMap {
                    plan.faults.lineFault(seed: plan.model.seed, customID: $0)
                }
                if let kind = fault, !DeterministicModel.lineFault(kind, applies: nil) { fault = nil }
                if let fault { injected[fault, default: 0] += 1 }
                let outcome = plan.model.message(
                    params, inBatch: true, ids: &ids, forced: fault.flatMap(FaultTriggers.trigger(for:)))
                if fault == .missingLine
                    || FaultTriggers(DeterministicModel.triggerText(messageParams: params)).dropLine
                {
                    // Answered like any other request and counted as succeeded; only its result line is lost.
                    counts.succeeded += 1
                    return true
                }
                switch outcome {
                case .message(let message, _, _):
                    result = ["type": "succeeded", "message": message]
                    counts.succeeded += 1
                case .error(let error):
                    result = ["type": "errored", "error": error.body]
                    counts.errored += 1
                case .expired:
                    result = ["type": "expired"]
                    counts.expired += 1
                }
            }
            if mode == .running { plan.signal.recordAnswered() }
            let line: JSONValue = ["custom_id": request["custom_id"] ?? nil, "result": result]
            try buckets.outputs[placement.below(ResultBuckets.count)].appendLine(JSONWriter.bytes(line))
            return true
        }
        try buckets.flush()
        return (end, counts, injected)
    }

    /// The `errored` error of request `index` in a batch that drew `fail_validation`.
    static func failedValidation(_ index: Int) -> AnthropicError {
        .invalidRequest(
            "requests.\(index).params: fault fail_validation injected by the Sluice emulator: this batch's "
                + "requests are rejected as invalid.")
    }

    /// Writes an `errored` `api_error` result for every request straight to `destination`: the way out when
    /// the emulator itself failed mid-batch. Blocking: run it on an owned thread.
    static func failAll(requestsPath: String, destination: String) throws -> MessageBatchCounts {
        let sink = try FileSink(path: destination)
        var counts = MessageBatchCounts()
        try LineReader.forEachLine(path: requestsPath) { _, bytes in
            guard case .object(let request)? = try? JSONParser.parse(buffer: bytes) else { return true }
            let result: JSONValue = ["type": "errored", "error": AnthropicError.internalServerError.body]
            try sink.appendLine(JSONWriter.bytes(["custom_id": request["custom_id"] ?? nil, "result": result]))
            counts.errored += 1
            return true
        }
        try sink.flush()
        return counts
    }
}
