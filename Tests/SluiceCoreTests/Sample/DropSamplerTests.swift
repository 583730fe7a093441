import Foundation
import SluiceJSON
import SluiceTesting
import Testing

@testable import SluiceCore

/// `sluice sample`'s reading side: the rows it picks, the requests it renders (those of staging, byte for byte),
/// the rows it refuses before sending, and the whole-file counts.
@Suite struct DropSamplerTests {
    static let spec = """
        provider: local
        model: gpt-4o-mini
        system: "You label support tickets about {{subject}}."
        prompt: "Subject: {{subject}}\\nBody: {{body}}"
        id: ticket_id
        params: {max_tokens: 50, temperature: 0.7}
        output:
          schema:
            type: object
            properties:
              category: {type: string, enum: [billing, other]}
            required: [category]
        """

    /// Eight lines: row 3 lacks `body`, row 6 is not an object.
    static let drop =
        (1...8).map { i -> String in
            switch i {
            case 3: return #"{"ticket_id": "T3", "subject": "no body here"}"#
            case 6: return "[1, 2]"
            default: return #"{"ticket_id": "T\#(i)", "subject": "Refund \#(i)", "body": "Charged twice.\r\nTwice!"}"#
            }
        }.joined(separator: "\n") + "\n"

    func sample(
        _ selection: SampleSelection,
        wire: WireFormat = .openAIBatch,
        wholeFile: Bool = true,
        drop: String = drop,
        name: String = "drop.jsonl"
    ) async throws -> DropSample {
        try await withTemporaryDirectory { dir in
            let spec = try SluiceRoot(path: dir).addPipeline("tickets", yaml: Self.spec)
            try writeFile(dir + "/" + name, drop)
            let sampler = DropSampler(
                spec: spec,
                wireFormat: wire,
                providerMaxBytes: 200_000_000,
                providerMaxRequests: 50_000
            )
            return try sampler.sample(
                sourcePath: dir + "/" + name,
                fileName: name,
                selection: selection,
                wholeFile: wholeFile
            )
        }
    }

    @Test func theFirstRowsWithTheirFailuresBeforeSendingAndTheWholeFileCounted() async throws {
        let sample = try await sample(.first(count: 4, skip: 0))
        #expect(sample.rows.map(\.row) == [1, 2, 3, 4])
        #expect(sample.rows.map(\.id) == ["T1", "T2", "T3", "T4"])
        #expect(
            sample.file
                == SampleFileCounts(
                    rows: 8,
                    requests: 6,
                    failuresByCode: ["template.missing_field": 1, "records.jsonl_not_object": 1]
                )
        )
        #expect(sample.rowsRead == 8)
        guard case .failure(let failure) = sample.rows[2].request else {
            Issue.record("row 3 lacks body and cannot be sent")
            return
        }
        #expect(failure.code == "template.missing_field")
        #expect(failure.category == .input)
        #expect(failure.message == "the template names 'body', which this record lacks")
        #expect(sample.rows[2].record == ["ticket_id": "T3", "subject": "no body here"])
        let request = try sample.rows[0].request.get()
        #expect(request.customID == "r1")
        #expect(request.path == "/chat/completions")
        #expect(
            request.prompt
                == SamplePrompt(
                    system: "You label support tickets about Refund 1.",
                    user: "Subject: Refund 1\nBody: Charged twice.\r\nTwice!"
                )
        )
        #expect(request.json["temperature"] == .double(0.7))
    }

    @Test func eachRequestBodyIsItsStagedBatchLinesBodyByteForByte() async throws {
        for wire in [WireFormat.openAIBatch, .anthropicBatch] {
            let sample = try await sample(.rows([1, 2, 4, 5, 7, 8]), wire: wire)
            let staged = try await withTemporaryDirectory { dir in
                let spec = try SluiceRoot(path: dir).addPipeline("tickets", yaml: Self.spec)
                try writeFile(dir + "/drop.jsonl", Self.drop)
                let stager = Stager(
                    spec: spec,
                    line: wire.requestLine(for: spec),
                    providerMaxBytes: 200_000_000,
                    providerMaxRequests: 50_000,
                    framing: wire.framing
                )
                let result = try stager.stage(sourcePath: dir + "/drop.jsonl", fileName: "drop.jsonl", directory: dir)
                return try String(contentsOfFile: result.chunks[0].path, encoding: .utf8)
            }
            let key = wire == .openAIBatch ? #","body":"# : #","params":"#
            // Every staged line ends `KEY<body>}` and its newline (Anthropic chunks only add framing between lines).
            let bodies = staged.components(separatedBy: key).dropFirst().map { piece in
                String(piece.prefix { $0 != "\n" }.dropLast())
            }
            let sampled = try sample.rows.map { String(decoding: try $0.request.get().body, as: UTF8.self) }
            #expect(sampled == bodies, "\(wire)")
            #expect(sampled.count == 6)
        }
    }

    @Test func anthropicRequestsGoToMessagesWithTheirParams() async throws {
        let sample = try await sample(.rows([2]), wire: .anthropicBatch)
        let request = try sample.rows[0].request.get()
        #expect(request.path == "/messages")
        #expect(request.json["model"] == "gpt-4o-mini")
        #expect(request.json["max_tokens"] == 50)
        #expect(request.prompt.system == "You label support tickets about Refund 2.")
        #expect(request.prompt.user == "Subject: Refund 2\nBody: Charged twice.\r\nTwice!")
    }

    @Test func namedRowsSkipsAndRowsPastTheEnd() async throws {
        let named = try await sample(.rows([2, 6, 8, 11, 40]))
        #expect(named.rows.map(\.row) == [2, 6, 8])
        #expect(named.missingRows == [11, 40])
        guard case .failure(let failure) = named.rows[1].request else {
            Issue.record("row 6 is not an object")
            return
        }
        #expect(failure.code == "records.jsonl_not_object")
        let skipped = try await sample(.first(count: 2, skip: 6))
        #expect(skipped.rows.map(\.row) == [7, 8])
    }

    @Test func headOnlyStopsAfterTheLastSampledRow() async throws {
        let sample = try await sample(.first(count: 2, skip: 1), wholeFile: false)
        #expect(sample.rows.map(\.row) == [2, 3])
        #expect(sample.rowsRead == 3)
        #expect(sample.file == nil)
    }

    @Test func aFileProcessWouldRejectIsRejectedBeforeAnythingIsSentUnlessOnlyItsHeadIsRead() async throws {
        let truncated = "ticket_id,subject,body\nT1,a,b\nT2,c,\"open quote\nT3,e,f\n"
        await #expect(throws: DropRejection.self) {
            try await sample(.first(count: 1, skip: 0), drop: truncated, name: "cut.csv")
        }
        let head = try await sample(.first(count: 1, skip: 0), wholeFile: false, drop: truncated, name: "cut.csv")
        #expect(head.rows.map(\.id) == ["T1"])
        // A template column the header lacks rejects the file at once, as staging does.
        await #expect(throws: DropRejection.self) {
            try await sample(
                .first(count: 1, skip: 0),
                wholeFile: false,
                drop: "ticket_id,subject\nT1,a\n",
                name: "x.csv"
            )
        }
    }

    @Test func rowListsParse() throws {
        #expect(try SampleSelection.parse(rows: "5,17, 300-302,17") == .rows([5, 17, 300, 301, 302]))
        #expect(try SampleSelection.parse(rows: "1") == .rows([1]))
        for bad in ["0", "a", "9-5", "", "3,", "-4", "1-2000"] {
            #expect(throws: SampleSelectionError.self, "\(bad)") { try SampleSelection.parse(rows: bad) }
        }
        #expect(SampleSelection.rows([2, 9]).contains(9))
        #expect(!SampleSelection.rows([2, 9]).contains(3))
        #expect(SampleSelection.first(count: 2, skip: 3).lastRow == 5)
    }
}
