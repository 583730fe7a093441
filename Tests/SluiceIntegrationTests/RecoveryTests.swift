import Foundation
import Logging
import SluiceCore
import SluiceJSON
import SluiceRecords
import SluiceTesting
import Testing

/// Crash recovery, rejection and reuse, through the real HTTP path to the local provider.
@Suite struct RecoveryTests {
    static let spec = ProcessDropTests.spec

    static func manifest(_ path: String) throws -> JSONValue {
        try JSONParser.parse(String(contentsOfFile: path, encoding: .utf8))
    }

    @Test func anIntentACrashLeftBehindIsReconciledNotSubmittedAgain() async throws {
        try await withTemporaryDirectory { dir in
            let root = SluiceRoot(path: dir)
            let spec = try root.addPipeline("tickets", yaml: Self.spec)
            let text = try String(contentsOfFile: root.paths.spec("tickets"), encoding: .utf8)
            try ProcessDropTests.drop(rows: 1_500, at: dir + "/t.csv.gz")
            try SluicePaths.ensureDirectory(root.paths.state)
            let store = try StateStore(path: root.paths.database)
            let paths = root.paths
            try await withLocalEmulator(stateDirectory: paths.emulatorState) { emulator in
                let environment = DropEnvironment(
                    provider: emulator.provider, store: store, paths: paths, logger: Logger(label: "test"))
                let id = try await DropIntake(store: store, paths: paths)
                    .drop(forProcessing: dir + "/t.csv.gz", spec: spec, specText: text)
                let job = DropJob(dropID: id, spec: spec, environment: environment, reuse: .finished)
                #expect(try await job.step())
                let drop = try #require(try await store.drop(id: id))
                #expect(drop.stage == .staged)
                let chunks = try await store.progress(dropID: id).map(\.chunk)
                #expect(chunks.count == 3)

                // What a run killed at the worst moments leaves: chunk 1's batch created at the provider but
                // never recorded; chunk 2 uploaded but neither recorded nor created.
                for chunk in chunks.prefix(2) {
                    _ = try await store.recordIntent(chunkID: chunk.id!, dropID: id, provider: "local", now: Date())
                }
                let upload1 = try await emulator.provider.upload(
                    chunkPath: chunks[0].path, name: ChunkRecord.uploadName(dropKey: drop.key, seq: 1))
                _ = try await emulator.provider.createBatch(
                    input: .uploadedFile(id: upload1), endpoint: .chat, completionWindow: "24h",
                    metadata: ["sluice_chunk": ChunkRecord.tag(dropKey: drop.key, seq: 1)])
                _ = try await emulator.provider.upload(
                    chunkPath: chunks[1].path, name: ChunkRecord.uploadName(dropKey: drop.key, seq: 2))

                let report = try await job.run()
                #expect(report.drop.stage == .archived)
                #expect(report.drop.rowsIn == 1_500)
                #expect(report.drop.succeeded == 1_499)
                let stats = try await emulator.stats()
                // Three chunks and two retry rounds of row 250 (its answer is not JSON every time).
                #expect(stats["batches_created"] == 5)
                #expect(stats["files_uploaded"] == 5, "chunk 2's upload was found by name and reused")
                for seq in 1...3 {
                    #expect(stats["by_metadata"]?["sluice_chunk=\(drop.key)-\(seq)"]?["batches"] == 1)
                }
                #expect(try await emulator.fileIDs().isEmpty, "inputs and results are deleted; nothing leaked")
                let m = try Self.manifest(report.manifestPath)
                #expect(m["batches"]?.arrayValue?.count == 5)
                #expect(m["counts"]?["rows_in"] == 1_500)
            }
        }
    }

    @Test func aTruncatedGzipAndACSVCutInsideAQuoteAreRejectedWithoutSpending() async throws {
        try await withTemporaryDirectory { dir in
            let root = SluiceRoot(path: dir)
            let spec = try root.addPipeline("tickets", yaml: Self.spec)
            try ProcessDropTests.drop(rows: 3_000, at: dir + "/whole.csv.gz")
            let whole = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/whole.csv.gz")))
            try writeFile(dir + "/cut.csv.gz", Array(whole.prefix(whole.count / 2)))
            try writeFile(dir + "/quote.csv", "ticket_id,subject,body\nT1,a,\"fine\"\nT2,b,\"this body never ends\n")
            for (name, needle) in [("cut.csv.gz", "gzip"), ("quote.csv", "quoted field")] {
                let report = try await root.process(dir + "/" + name, spec: spec)
                #expect(report.rejected)
                #expect(report.drop.reason?.contains(needle) == true, "\(report.drop.reason ?? "")")
                let m = try Self.manifest(report.manifestPath)
                #expect(m["status"] == "rejected")
                #expect(m["outputs"]?.arrayValue?.isEmpty == true)
            }
            let stats = try await withLocalEmulator(stateDirectory: root.paths.emulatorState) { try await $0.stats() }
            #expect(stats["batches_created"] == 0)
        }
    }

    @Test func theSameContentUnderAnotherNameCostsNoRequest() async throws {
        try await withTemporaryDirectory { dir in
            let root = SluiceRoot(path: dir)
            let spec = try root.addPipeline("tickets", yaml: Self.spec)
            try ProcessDropTests.drop(rows: 800, at: dir + "/monday.csv.gz")
            try FileManager.default.copyItem(atPath: dir + "/monday.csv.gz", toPath: dir + "/again.csv.gz")
            let first = try await root.process(dir + "/monday.csv.gz", spec: spec)
            let second = try await root.process(dir + "/again.csv.gz", spec: spec)
            #expect(second.drop.sameAs == first.drop.id)
            #expect(second.batches == 0)
            let outbox = root.paths.outbox("tickets")
            let a = try Data(contentsOf: URL(fileURLWithPath: outbox + "/monday.enriched.csv.gz"))
            let b = try Data(contentsOf: URL(fileURLWithPath: outbox + "/again.enriched.csv.gz"))
            #expect(try GzipTestSupport.inflate(a) == GzipTestSupport.inflate(b))
            let m = try Self.manifest(second.manifestPath)
            #expect(m["counts"]?["cached"] == 800)
            #expect(m["counts"]?["succeeded"] == 799)
            let stats = try await withLocalEmulator(stateDirectory: root.paths.emulatorState) { try await $0.stats() }
            // 800 rows and row 250's two retries, all for the first file.
            #expect(stats["requests_received"] == 802, "only the first file's rows were sent")
            // --reprocess sends them again.
            let third = try await root.process(dir + "/again.csv.gz", spec: spec, reuse: .never)
            #expect(third.drop.sameAs == nil && third.batches == 4)  // 700 + 100, two retries of row 250
        }
    }
}

/// Inflates gzip through the same reader Sluice uses.
enum GzipTestSupport {
    static func inflate(_ data: Data) throws -> [UInt8] {
        let path = NSTemporaryDirectory() + "/sluice-inflate-\(UUID().uuidString).gz"
        try data.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = try SourceOpener.open(path: path).source
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { return out }
            out += buffer[0..<n]
        }
    }
}
