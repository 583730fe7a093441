import Foundation
import SluiceJSON
import Synchronization

/// Counts a running batch has reached, shared between its processing thread and the task reporting them.
final class ProcessingProgress: Sendable {
    /// Invariant: only the processing thread writes; values only grow.
    private let state = Mutex<(counts: RequestCounts, usage: TokenTotals)>((RequestCounts(), TokenTotals()))

    func set(_ counts: RequestCounts, _ usage: TokenTotals) { state.withLock { $0 = (counts, usage) } }
    var snapshot: (counts: RequestCounts, usage: TokenTotals) { state.withLock { $0 } }
}

/// Everything a processing thread needs to run one batch.
struct ProcessingPlan: Sendable {
    var batchID: String
    var inputPath: String
    var workDirectory: String
    var endpoint: String
    var model: DeterministicModel
    var requestCount: Int
    /// Minimum time to spread the lines over (0 = as fast as possible).
    var pacing: Duration
    /// When the completion window closes.
    var deadline: Date
    var signal: StopSignal
    var progress: ProcessingProgress
    /// Held while computing, released while sleeping.
    var slots: WorkSlots
    /// The line faults drawn per `custom_id`.
    var faults: FaultPlan
    /// `expire` or `stuck` when the batch drew one: either stops after the first half of the requests.
    var batchFault: FaultKind?
    /// The answers' `created` timestamp; nil: the time processing starts (tests pin it to compare two runs).
    var created: Int? = nil
}

/// How processing ended.
enum ProcessingEnd: Sendable {
    case finished, cancelled, expired, shutdown
}

/// What processing produced.
struct ProcessingSummary: Sendable {
    var end: ProcessingEnd
    var counts: RequestCounts
    var usage: TokenTotals
    /// Line faults injected, per kind.
    var injected: [FaultKind: Int] = [:]
    /// Requests answered without a result line (`missing_line`, `__sluice_drop_line__`), in `counts.completed`.
    var dropped = 0
}

/// Runs every request of a batch through the model and writes result lines into shuffle buckets.
///
/// Lines go to `ResultBuckets.count` success and error bucket files chosen at random (seeded per batch);
/// `ResultAssembly` later concatenates and shuffles them, so output order differs from input order while
/// memory stays bounded by one bucket.
enum LineProcessor {
    /// False when `SLUICE_EMULATOR_FAST_PATHS=0`: every line then takes the straightforward path, so a benchmark
    /// can compare both in one build and a suspected fast-path bug can be ruled out without rebuilding.
    static let fastPathsEnabled = ProcessInfo.processInfo.environment["SLUICE_EMULATOR_FAST_PATHS"] != "0"

    /// Processes the plan's input file. Blocking: run it on an owned thread. `fastPaths: false` answers every
    /// line the straightforward way (parse, build, serialise): the oracle the fast paths are tested against.
    static func run(_ plan: ProcessingPlan, fastPaths: Bool = fastPathsEnabled) throws -> ProcessingSummary {
        try FileManager.default.createDirectory(atPath: plan.workDirectory, withIntermediateDirectories: true)
        guard plan.slots.acquire(for: .answering, unless: plan.signal) else {
            return ProcessingSummary(
                end: plan.signal.isCancelled ? .cancelled : .shutdown, counts: RequestCounts(total: plan.requestCount),
                usage: TokenTotals())
        }
        var holdsSlot = true
        defer { if holdsSlot { plan.slots.release() } }
        let buckets = try ResultBuckets(directory: plan.workDirectory)
        var ids = SplitMix64(seed: StableHash.of(plan.batchID, seed: plan.model.seed))
        var placement = SplitMix64(seed: StableHash.of(plan.batchID + "/order", seed: plan.model.seed))
        var counts = RequestCounts(total: plan.requestCount)
        var usage = TokenTotals()
        var end = ProcessingEnd.finished
        var expired = false
        var injected: [FaultKind: Int] = [:]
        var dropped = 0
        // `expire` and `stuck` let the first half of the requests through.
        let faultFrom = plan.batchFault == nil ? Int.max : plan.requestCount / 2
        let start = ContinuousClock.now
        var index = 0
        let created = plan.created ?? Int(Date().timeIntervalSince1970)
        let memo = ModelMemo()
        let formats = ChatFormatMemo()
        let seeds = BodyHashMemo(seed: plan.model.seed)
        let chatFastPath = fastPaths && plan.endpoint == "/v1/chat/completions"
        var line = [UInt8]()
        line.reserveCapacity(8192)
        var choices = [UInt8]()
        var content = [UInt8]()
        try LineReader.forEachLine(path: plan.inputPath) { _, bytes in
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return true }
            if !expired {
                if plan.pacing > .zero,
                    !Pacing.waitForTurn(
                        pacing: plan.pacing, count: plan.requestCount, index: index, start: start, signal: plan.signal,
                        slots: plan.slots, holdsSlot: &holdsSlot)
                {
                    end = plan.signal.isCancelled ? .cancelled : .shutdown
                    return false
                }
                if plan.signal.shouldStop {
                    end = plan.signal.isCancelled ? .cancelled : .shutdown
                    return false
                }
                if index >= faultFrom && plan.batchFault == .stuck {
                    // Polling clients see the half that was done while the batch hangs.
                    plan.progress.set(counts, usage)
                    _ = Pacing.waitUntilStopped(signal: plan.signal, slots: plan.slots, holdsSlot: &holdsSlot)
                    end = plan.signal.isCancelled ? .cancelled : .shutdown
                    return false
                }
                if Date() >= plan.deadline || index >= faultFrom {
                    expired = true
                    end = .expired
                }
            }
            index += 1
            let scan = chatFastPath && !expired ? ChatLineScan.scan(bytes, formats: formats) : nil
            let request: JSONObject
            let customID: JSONValue
            if let scan {
                // Parsed only if the line needs the straightforward path after all (a fault applies).
                request = JSONObject()
                customID = .string(scan.customID)
            } else {
                guard case .object(let parsed)? = try? JSONParser.parse(buffer: bytes) else { return true }
                request = parsed
                customID = request["custom_id"] ?? .null
            }
            // Kept as drawn: the fast path writes them into the line, the others make strings.
            let lineHex = HexID(drawing: &ids)
            let requestHex = HexID(drawing: &ids)
            let bucket = placement.below(ResultBuckets.count)
            line.removeAll(keepingCapacity: true)
            if expired {
                let lineID = "batch_req_" + lineHex.text
                writeExpired(into: &line, lineID: lineID, customID: customID)
                try buckets.errors[bucket].appendLine(line)
                counts.failed += 1
            } else {
                var fault = customID.stringValue.flatMap { plan.faults.lineFault(seed: plan.model.seed, customID: $0) }
                if let kind = fault, !DeterministicModel.lineFault(kind, applies: plan.endpoint) { fault = nil }
                if let fault { injected[fault, default: 0] += 1 }
                if let scan, fault == nil, !FaultTriggers.mayHoldTrigger(rawJSON: bytes) {
                    let tokens = ChatAnswerWriter.writeLine(
                        into: &line, scan: scan, line: bytes, lineID: lineHex, requestID: requestHex, model: plan.model,
                        created: created, ids: &ids, seeds: seeds, choices: &choices, content: &content)
                    try buckets.outputs[bucket].appendLine(line)
                    counts.completed += 1
                    usage.input += tokens.input
                    usage.output += tokens.output
                    if index & 255 == 0 { plan.progress.set(counts, usage) }
                    return true
                }
                let lineID = "batch_req_" + lineHex.text
                let requestID = "req_" + requestHex.text
                let fullRequest = scan == nil ? request : (try? JSONParser.parse(buffer: bytes))?.objectValue ?? request
                let body = fullRequest["body"]?.objectValue ?? JSONObject()
                let forced = fault.flatMap(FaultTriggers.trigger(for:))
                let answer = plan.model.answer(
                    endpoint: plan.endpoint, body: body, created: created, ids: &ids, memo: memo, forced: forced)
                if fault == .missingLine
                    || (FaultTriggers.mayHoldTrigger(rawJSON: bytes)
                        && FaultTriggers(DeterministicModel.triggerText(endpoint: plan.endpoint, body: body)).dropLine)
                {
                    // Answered (and billed) like any other request; only its result line is lost.
                    if case .success(_, let input, let output) = answer {
                        usage.input += input
                        usage.output += output
                    }
                    counts.completed += 1
                    dropped += 1
                    if index & 255 == 0 { plan.progress.set(counts, usage) }
                    return true
                }
                switch answer {
                case .success(let responseBody, let input, let output):
                    writeResult(into: &line, lineID, customID, status: 200, requestID: requestID, body: responseBody)
                    try buckets.outputs[bucket].appendLine(line)
                    counts.completed += 1
                    usage.input += input
                    usage.output += output
                case .failure(let error):
                    writeResult(into: &line, lineID, customID, status: error.status, requestID: requestID, body: error.envelope)
                    try buckets.errors[bucket].appendLine(line)
                    counts.failed += 1
                }
            }
            if index & 255 == 0 { plan.progress.set(counts, usage) }
            return true
        }
        try buckets.flush()
        plan.progress.set(counts, usage)
        return ProcessingSummary(end: end, counts: counts, usage: usage, injected: injected, dropped: dropped)
    }

    /// `{"id":..,"custom_id":..,"response":{"status_code":..,"request_id":..,"body":..},"error":null}`
    static func writeResult(
        into out: inout [UInt8], _ lineID: String, _ customID: JSONValue, status: Int, requestID: String, body: JSONValue
    ) {
        out.append(contentsOf: #"{"id":"#.utf8)
        JSONWriter.writeString(lineID, into: &out)
        out.append(contentsOf: #","custom_id":"#.utf8)
        JSONWriter.write(customID, into: &out)
        out.append(contentsOf: #","response":{"status_code":"#.utf8)
        out.append(contentsOf: String(status).utf8)
        out.append(contentsOf: #","request_id":"#.utf8)
        JSONWriter.writeString(requestID, into: &out)
        out.append(contentsOf: #","body":"#.utf8)
        JSONWriter.write(body, into: &out)
        out.append(contentsOf: #"},"error":null}"#.utf8)
    }

    /// The real API's line for a request the completion window closed on.
    static func writeExpired(into out: inout [UInt8], lineID: String, customID: JSONValue) {
        out.append(contentsOf: #"{"id":"#.utf8)
        JSONWriter.writeString(lineID, into: &out)
        out.append(contentsOf: #","custom_id":"#.utf8)
        JSONWriter.write(customID, into: &out)
        out.append(
            contentsOf:
                #","response":null,"error":{"code":"batch_expired","message":"This request could not be executed before the completion window expired."}}"#
                .utf8)
    }
}
