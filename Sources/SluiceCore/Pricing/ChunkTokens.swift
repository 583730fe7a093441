import Crypto
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
    }

    let spec: PipelineSpec
    let wireFormat: WireFormat

    /// A measure of `spec`'s requests rendered in `wireFormat`.
    public init(spec: PipelineSpec, wireFormat: WireFormat) {
        self.spec = spec
        self.wireFormat = wireFormat
    }

    /// Reads every request line of the chunk files at `paths`. Blocking.
    public func measure(chunkPaths paths: [String]) throws -> Measure {
        var measure = Measure()
        var seen = Set<Data>()
        var tokens = 0.0
        var uniqueTokens = 0.0
        for path in paths {
            let reader = JSONLReader(source: try FileByteSource(path: path), path: path)
            while let line = try reader.next() {
                guard let (_, request) = RetryPlanner.requestLine(line.bytes) else { continue }
                let count = try inputTokens(request)
                measure.requests += 1
                tokens += count
                if seen.insert(Data(SHA256.hash(data: Self.body(of: request)))).inserted {
                    measure.uniqueRequests += 1
                    uniqueTokens += count
                }
            }
        }
        measure.inputTokens = Int(tokens.rounded())
        measure.uniqueInputTokens = Int(uniqueTokens.rounded())
        return measure
    }

    /// The line after its custom id: identical for two rows exactly when their requests are.
    static func body(of line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var index = line.startIndex + RetryPlanner.customIDPrefix.count
        while index < line.endIndex && line[index] != UInt8(ascii: "\"") { index += 1 }
        return line[index...]
    }

    /// Estimated input tokens of one rendered request: its system and user text, or its embeddings input.
    func inputTokens(_ line: ArraySlice<UInt8>) throws -> Double {
        let value = try JSONParser.parse(line)
        switch wireFormat {
        case .openAIBatch:
            let body = value["body"]
            if spec.endpoint == .embeddings {
                return TokenEstimator.tokens(in: body?["input"]?.stringValue ?? "")
            }
            let messages = (body?["messages"]?.arrayValue ?? []).map { $0["content"]?.stringValue ?? "" }
            return TokenEstimator.chatTokens(messages: messages)
        case .anthropicBatch:
            let params = value["params"]
            var messages = (params?["messages"]?.arrayValue ?? []).map {
                $0["content"]?.stringValue ?? ""
            }
            if let system = params?["system"]?.stringValue { messages.insert(system, at: 0) }
            return TokenEstimator.chatTokens(messages: messages)
        }
    }
}
