import ArgumentParser
import Foundation
import SluiceCore

/// `sluice bench cache --answers N --database PATH`: stores N answers of realistic size (random keys, ~250-byte
/// outputs) through assembly's `AnswerBuffer` into the state database at PATH (created when absent, so run it
/// twice on one path for the already-filled case) and reports wall, CPU seconds, bytes written and peak RSS.
struct CacheBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Store N random answers into a state database as assembly does, and report the cost."
    )

    @Option(help: ArgumentHelp("How many answers to store.", valueName: "n")) var answers = 100_000
    @Option(help: ArgumentHelp("The state database (created when absent).", valueName: "path")) var database: String
    @Option(help: ArgumentHelp("Seed of the random keys: give each run on one database its own.", valueName: "seed"))
    var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Bytes of each stored output.", valueName: "bytes")) var outputBytes = 250
    @Flag(help: "Store as assembly did before issue 8: in row order, 2,000 answers to a transaction (the baseline).")
    var rowOrder = false

    func run() async throws {
        let store = try StateStore(path: database)
        let (count, seed, size, rowOrder) = (answers, seed, outputBytes, rowOrder)
        let before = ProcessIO.now()
        let (stored, wall, cpu) = try await BenchSupport.measure {
            try await Blocking.run("sluice-bench-cache") {
                var answers = RandomAnswers(seed: seed, outputBytes: size)
                if rowOrder {
                    var batch: [AnswerEntry] = []
                    for i in 0..<count {
                        batch.append(answers.next())
                        if batch.count == 2000 || i == count - 1 {
                            try store.storeAnswers(batch, pipeline: "bench", model: "bench-model")
                            batch.removeAll(keepingCapacity: true)
                        }
                    }
                    return count
                }
                let buffer = AnswerBuffer(store: store, pipeline: "bench", model: "bench-model")
                for _ in 0..<count { try buffer.add(answers.next()) }
                try buffer.flush()
                return buffer.stored
            }
        }
        let after = ProcessIO.now()
        print(
            BenchSupport.json([
                "answers": count, "stored": stored, "seconds": wall, "cpu_seconds": cpu,
                "write_bytes": after.writeBytes - before.writeBytes, "wchar": after.wchar - before.wchar,
                "read_bytes": after.readBytes - before.readBytes, "rchar": after.rchar - before.rchar,
                "peak_rss_kb": BenchSupport.peakRSSKilobytes(),
                "database_bytes": BenchSupport.size(database) + BenchSupport.size(database + "-wal"),
            ]))
    }
}

/// Answers as assembly produces them: a SHA-256-like random key and a JSON object output of a given size.
struct RandomAnswers {
    private var state: UInt64
    private let filler: String

    init(seed: UInt64, outputBytes: Int) {
        state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        let frame = #"{"category":"billing","priority":"high","row":0000000000,"summary":""}"#.utf8.count
        filler = String(repeating: "lorem ipsum ", count: max(0, outputBytes - frame) / 12 + 1)
            .prefix(max(0, outputBytes - frame)).description
    }

    /// SplitMix64: fast, seeded, and good enough to spread keys the way SHA-256 does.
    private mutating func word() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next() -> AnswerEntry {
        var key: [UInt8] = []
        key.reserveCapacity(32)
        for _ in 0..<4 {
            let w = word()
            for shift in stride(from: 56, through: 0, by: -8) { key.append(UInt8(truncatingIfNeeded: w >> UInt64(shift))) }
        }
        let row = String(word() % 10_000_000_000)
        let padded = String(repeating: "0", count: 10 - row.count) + row
        let output = #"{"category":"billing","priority":"high","row":"# + padded + #","summary":""# + filler + #""}"#
        return AnswerEntry(key: RequestKey(bytes: key), output: output, inputTokens: 120, outputTokens: 60)
    }
}

/// This process's I/O counters (/proc/self/io).
enum ProcessIO {
    struct Counters {
        var rchar = 0
        var wchar = 0
        var readBytes = 0
        var writeBytes = 0
    }

    static func now() -> Counters {
        var counters = Counters()
        let text = (try? String(contentsOfFile: "/proc/self/io", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let value = Int(parts[1]) else { continue }
            switch parts[0] {
            case "rchar": counters.rchar = value
            case "wchar": counters.wchar = value
            case "read_bytes": counters.readBytes = value
            case "write_bytes": counters.writeBytes = value
            default: break
            }
        }
        return counters
    }
}
