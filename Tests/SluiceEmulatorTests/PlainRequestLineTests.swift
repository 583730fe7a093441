import SluiceJSON
import Testing

@testable import SluiceEmulator

@Suite struct PlainRequestLineTests {
    /// What the plain path concludes from bytes is what the full parse of the same line says.
    @Test func plainLinesPassEveryCheckButTheStringOnes() throws {
        var generator = RequestLineGenerator(random: SplitMix64(seed: 17))
        let endpoint = "/v1/chat/completions"
        var plainCount = 0
        for _ in 0..<20_000 {
            let bytes = generator.line()
            try bytes.withUnsafeBytes { raw in
                guard let plain = RequestLineScan.scan(raw)?.plainLine(raw, endpoint: endpoint) else { return }
                plainCount += 1
                let line = try #require(try? JSONParser.parse(buffer: raw).objectValue)
                #expect(line["custom_id"] == .string(plain.customID))
                #expect(line["method"] == "POST")
                #expect(line["url"] == .string(endpoint))
                let body = try #require(line["body"]?.objectValue)
                #expect(body["stream"] != .bool(true))
                let model = plain.model.map { String(decoding: UnsafeRawBufferPointer(rebasing: raw[$0]), as: UTF8.self) }
                #expect(body["model"]?.stringValue == model)
            }
        }
        #expect(plainCount > 2_000)  // about 14% of these lines: the rest exercise the slow path
    }
}
