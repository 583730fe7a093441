import ArgumentParser
import Foundation
import SluiceCore
import SluiceJSON

/// `sluice cache stats|prune`: the result cache in the state database.
struct CacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Inspect or prune the result cache (validated answers reused instead of sent again).",
        discussion: """
            Every validated answer is stored under its request's key: SHA-256 of the provider, and the request's \
            model, parameters, messages and output schema. A later row, in any file of any pipeline, whose request \
            has the same key takes the stored answer and sends nothing. A pipeline's `cache: {ttl: 30d}` ignores \
            answers older than that; `cache: {enabled: false}` neither reads nor stores.
            """,
        subcommands: [CacheStatsCommand.self, CachePruneCommand.self]
    )
}

struct CacheStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Entries, size and age of the result cache per pipeline.")

    @OptionGroup var root: RootOption
    @Flag(help: "Print one JSON object {entries, bytes, pipelines: [...]} instead of a table.") var json = false

    func run() async throws {
        let paths = try root.paths
        guard FileManager.default.fileExists(atPath: paths.database) else {
            print(json ? #"{"bytes":0,"entries":0,"pipelines":[]}"# : "no state yet in \(paths.state): the cache is empty")
            return
        }
        let stats = try await StateStore(path: paths.database).cacheStats()
        if json {
            print(JSONWriter.string(Self.json(stats)))
            return
        }
        guard !stats.pipelines.isEmpty else {
            print("the result cache is empty")
            return
        }
        print("pipeline              entries        bytes   oldest                 newest")
        for p in stats.pipelines {
            let name = p.pipeline.padding(toLength: max(20, p.pipeline.count), withPad: " ", startingAt: 0)
            print(
                "\(name)  \(Self.right(p.entries, 8))  \(Self.right(p.bytes, 11))   "
                    + "\(p.oldest.map(Self.timestamp) ?? "-")   \(p.newest.map(Self.timestamp) ?? "-")")
        }
        print("total: \(stats.entries) entries, \(stats.bytes) bytes")
    }

    static func json(_ stats: CacheStats) -> JSONValue {
        .object([
            "entries": .int(stats.entries), "bytes": .int(stats.bytes),
            "pipelines": .array(
                stats.pipelines.map {
                    .object([
                        "pipeline": .string($0.pipeline), "entries": .int($0.entries), "bytes": .int($0.bytes),
                        "input_tokens": .int($0.inputTokens), "output_tokens": .int($0.outputTokens),
                        "oldest": $0.oldest.map { .string(timestamp($0)) } ?? .null,
                        "newest": $0.newest.map { .string(timestamp($0)) } ?? .null,
                    ])
                }),
        ])
    }

    static func right(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

struct CachePruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete cached answers: past each pipeline's cache.ttl, older than a given age, or all.",
        discussion: """
            Without options, removes the answers of every pipeline whose spec sets `cache.ttl` that are older than \
            it (they would not be used any more). A file being processed keeps the answers it already took.
            """
    )

    @OptionGroup var root: RootOption
    @Option(help: ArgumentHelp("Only this pipeline's answers.", valueName: "name")) var pipeline: String?
    @Option(
        name: .customLong("older-than"),
        help: ArgumentHelp("Delete answers older than this (e.g. 30d, 12h).", valueName: "age")) var olderThan: String?
    @Flag(help: "Delete every answer (of --pipeline, when given).") var all = false

    func validate() throws {
        if all && olderThan != nil { throw ValidationError("--all and --older-than exclude each other") }
        if let olderThan, DurationText.parse(olderThan) == nil {
            throw ValidationError("--older-than '\(olderThan)' is not a duration like 12h or 30d")
        }
    }

    func run() async throws {
        let paths = try root.paths
        guard FileManager.default.fileExists(atPath: paths.database) else {
            print("pruned 0 entries (no state yet in \(paths.state))")
            return
        }
        let store = try StateStore(path: paths.database)
        var pruned = 0
        if all {
            pruned = try await store.pruneCache(pipeline: pipeline, before: nil)
        } else if let olderThan, let age = DurationText.parse(olderThan) {
            pruned = try await store.pruneCache(pipeline: pipeline, before: Date().addingTimeInterval(-seconds(age)))
        } else {
            for name in try pipelinesWithTTL(paths, only: pipeline) {
                pruned += try await store.pruneCache(
                    pipeline: name.pipeline, before: Date().addingTimeInterval(-seconds(name.ttl)))
            }
        }
        print("pruned \(pruned) entries")
    }

    private func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Pipelines whose spec sets `cache.ttl`; a spec that does not load is reported and skipped.
    private func pipelinesWithTTL(_ paths: SluicePaths, only: String?) throws -> [(pipeline: String, ttl: Duration)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: paths.pipelines)) ?? [])
            .filter { $0.hasSuffix(".yaml") && $0 != PriceTable.fileName }
            .map { String($0.dropLast(5)) }
            .filter { only == nil || $0 == only }
            .sorted()
        var found: [(String, Duration)] = []
        for name in names {
            do {
                let spec = try SpecLoader.load(path: paths.spec(name))
                if let ttl = spec.cache.ttl { found.append((name, ttl)) }
            } catch {
                printError("\(paths.spec(name)): not loaded, its answers are kept: \(error)")
            }
        }
        return found
    }
}
