import ArgumentParser
import Foundation
import Logging
import SluiceCore
import SluiceProviders

/// `sluice bench upload FILE --pipeline NAME --base-url URL`: stage once (untimed), then time only the uploads
/// of the staged chunks through the production libcurl client to a running `sluice emulator`.
struct UploadBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Stage FILE untimed, then upload its chunks one after another to BASE-URL and report speed."
    )

    @OptionGroup var drop: BenchDrop
    @Option(help: ArgumentHelp("Keep the staged chunks in this folder (to upload the same bytes with curl).", valueName: "dir"))
    var keep: String?

    func run() async throws {
        let work = try BenchSupport.workDirectory(keep: keep)
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: work) } }
        let (_, staged, provider) = try await drop.staged(into: work)
        let (ids, wall, cpu) = try await BenchSupport.measure {
            var ids: [String] = []
            for chunk in staged.chunks {
                ids.append(try await provider.upload(chunkPath: chunk.path, name: "bench-\(chunk.seq).jsonl"))
            }
            return ids
        }
        for id in ids { await provider.deleteFile(id: id) }
        let bytes = staged.chunks.reduce(0) { $0 + $1.bytes }
        print(
            BenchSupport.json([
                "rows": staged.rowsIn, "chunks": staged.chunks.count, "chunk_bytes": bytes, "seconds": wall,
                "cpu_seconds": cpu, "chunk_paths": staged.chunks.map(\.path).joined(separator: ":"),
            ]))
    }
}
