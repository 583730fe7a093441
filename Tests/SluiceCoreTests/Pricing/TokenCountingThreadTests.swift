import Foundation
import SluiceJSON
import Testing

@testable import SluiceCore

/// The counting thread must give each chunk the sum of its requests' counts, however the requests fall into
/// batches, and must never hang when staging stops early.
@Suite struct TokenCountingThreadTests {
    static let yaml = """
        provider: local
        model: gpt-4o-mini
        system: "Label {{kind}} tickets."
        prompt: "Subject: {{subject}} — {{body}}"
        output:
          schema: {type: object, properties: {c: {type: string}}, required: [c]}
        """

    private let words = ["refund", "Grüße", "日本", "1,249.99", "\"quoted\"", "line\nbreak", "😞", " ", "", "a\\b"]

    @Test(arguments: [64, 700, 1 << 20])
    func eachChunkGetsTheSumOfItsRequests(batchBytes: Int) throws {
        let spec = try SpecLoader.parse(yaml: Self.yaml, name: "t", file: "t.yaml")
        let line = OpenAIRequestFormat.line(for: spec)
        let counter = TokenCountingThread(line: line, batchBytes: batchBytes, depth: 2)
        var random = SeededGenerator(state: UInt64(batchBytes))
        var expected: [Int: TokenSum] = [:]
        var buffer: [UInt8] = []
        var templates: [Int] = []
        for row in 1...500 {
            let fields = (0..<3).map { _ in
                (0..<Int.random(in: 0...12, using: &random)).map { _ in words.randomElement(using: &random)! }.joined()
            }
            buffer.removeAll()
            let ok = line.render(customID: "r\(row)", into: &buffer, templates: &templates) { index, out in
                var text = fields[index]
                text.withUTF8 { JSONWriter.escape(UnsafeRawBufferPointer($0), into: &out) }
                return true
            }
            #expect(ok)
            let chunk = 1 + row / 37
            expected[chunk, default: TokenSum()].add(line.inputTokens(of: buffer, templates: templates))
            counter.add(buffer, templates: templates, chunk: chunk)
        }
        #expect(counter.finish() == expected)
    }

    @Test func stoppingMidwayReturnsWithoutTheCount() throws {
        let spec = try SpecLoader.parse(yaml: Self.yaml, name: "t", file: "t.yaml")
        let line = OpenAIRequestFormat.line(for: spec)
        let counter = TokenCountingThread(line: line, batchBytes: 64, depth: 2)
        var buffer: [UInt8] = []
        var templates: [Int] = []
        for row in 1...50 {
            buffer.removeAll()
            _ = line.render(customID: "r\(row)", into: &buffer, templates: &templates) { _, out in
                out.append(contentsOf: Array("some text".utf8))
                return true
            }
            counter.add(buffer, templates: templates, chunk: 1)
        }
        counter.stop()
        // After a stop the producer is never left waiting for a free batch.
        for _ in 1...50 { counter.add(buffer, templates: templates, chunk: 1) }
    }
}
