import Foundation
import SluiceJSON
import SluiceRecords

/// The requests of staged chunk files and their estimated input tokens.
///
/// The one measure of what a file sends: `sluice estimate` applies it to the chunks it stages into a temporary
/// folder, the budget guard to a drop's own staged chunks before the first one is submitted.
public struct ChunkTokens: Sendable {
    /// What the chunk files hold.
    public struct Measure: Sendable, Equatable {
        /// Request lines, and those with distinct rendered bodies (what dedupe would send).
        public var requests = 0
        public var uniqueRequests = 0
        /// Estimated input tokens of every request, and of the unique ones only.
        public var inputTokens = 0
        public var uniqueInputTokens = 0
        /// Requests the result cache answers, and what would be sent after the cache and dedupe.
        public var cachedRequests = 0
        public var requestsToSend = 0
        public var inputTokensToSend = 0
    }

    let spec: PipelineSpec
    let wireFormat: WireFormat

    /// A measure of `spec`'s requests rendered in `wireFormat`.
    public init(spec: PipelineSpec, wireFormat: WireFormat) {
        self.spec = spec
        self.wireFormat = wireFormat
    }

    /// Reads every request line of the chunk files at `paths`; with `cache`, requests it answers count as
    /// cached, not to send. Blocking.
    public func measure(chunkPaths paths: [String], cache: (any AnswerLookup)? = nil) throws -> Measure {
        var measure = Measure()
        let keying = RequestKeying(spec: spec)
        let lookup = spec.cache.enabled ? try cache.flatMap { try $0.hasAnswers() ? $0 : nil } : nil
        let notBefore = StagingDedupe.forSpec(spec, cache: nil)?.notBefore
        // Distinct requests, and whether the cache answers each.
        var seen: [RequestKey.ShortKey: Bool] = [:]
        var tokens = 0.0
        var uniqueTokens = 0.0
        var sendTokens = 0.0
        for path in paths {
            let reader = JSONLReader(source: try FileByteSource(path: path), path: path)
            while let line = try reader.next() {
                guard let (_, request) = RetryPlanner.requestLine(line.bytes) else { continue }
                let count = try inputTokens(request)
                measure.requests += 1
                tokens += count
                let key = keying.key(line: request)
                let cached: Bool
                if let known = seen[key.short] {
                    cached = known
                } else {
                    cached = try lookup?.answer(for: key, notBefore: notBefore) != nil
                    seen[key.short] = cached
                    measure.uniqueRequests += 1
                    uniqueTokens += count
                    if !cached && spec.dedupe {
                        measure.requestsToSend += 1
                        sendTokens += count
                    }
                }
                if cached {
                    measure.cachedRequests += 1
                } else if !spec.dedupe {
                    measure.requestsToSend += 1
                    sendTokens += count
                }
            }
        }
        measure.inputTokens = Int(tokens.rounded())
        measure.uniqueInputTokens = Int(uniqueTokens.rounded())
        measure.inputTokensToSend = Int(sendTokens.rounded())
        return measure
    }

    /// Estimated input tokens of one rendered request: its system and user text, or its embeddings input.
    ///
    /// The line is checked whole but only the texts are built (`JSONPruningParser`): a 1M-row drop measures its
    /// chunks twice (the spend estimate, then the calibration), and building every line's schema and parameters
    /// as `JSONValue`s was a third of `sluice process`'s CPU (issue 8). `parse` is for the test that compares
    /// this with `JSONParser`'s whole tree.
    func inputTokens(
        _ line: ArraySlice<UInt8>,
        parse: (ArraySlice<UInt8>, JSONKeep) throws -> JSONValue = Self.pruned
    ) throws -> Double {
        switch wireFormat {
        case .openAIBatch:
            let body = try parse(line, Self.openAIText)["body"]
            if spec.endpoint == .embeddings {
                return TokenEstimator.tokens(in: body?["input"]?.stringValue ?? "")
            }
            let messages = (body?["messages"]?.arrayValue ?? []).map { $0["content"]?.stringValue ?? "" }
            return TokenEstimator.chatTokens(messages: messages)
        case .anthropicBatch:
            let params = try parse(line, Self.anthropicText)["params"]
            var messages = (params?["messages"]?.arrayValue ?? []).map {
                $0["content"]?.stringValue ?? ""
            }
            if let system = params?["system"]?.stringValue { messages.insert(system, at: 0) }
            return TokenEstimator.chatTokens(messages: messages)
        }
    }

    /// The members `inputTokens` reads, and nothing else.
    static let openAIText = JSONKeep.members([
        "body": .members(["messages": .elements(.members(["content": .all])), "input": .all])
    ])
    static let anthropicText = JSONKeep.members([
        "params": .members(["messages": .elements(.members(["content": .all])), "system": .all])
    ])

    static func pruned(_ line: ArraySlice<UInt8>, _ keep: JSONKeep) throws -> JSONValue {
        try line.withUnsafeBytes { (bytes) throws -> JSONValue in try JSONPruningParser.parse(buffer: bytes, keeping: keep) }
    }
}
