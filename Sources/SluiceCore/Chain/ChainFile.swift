import Foundation
import SluiceJSON
import SluiceRecords

/// Where a drop's chained file goes (`then:`): the next pipeline's inbox and the file's name without extensions.
public struct ChainTarget: Sendable {
    /// `inbox/<next>/`.
    public var folder: String
    /// `<stem>.from-<pipeline>-<drop key>`: traceable to the drop that made it, and never the same for two
    /// drops (the key is random per drop), so a chained file cannot replace one still waiting in the inbox.
    public var baseName: String
    public var filter: RowFilter?

    public init(folder: String, baseName: String, filter: RowFilter?) {
        self.folder = folder
        self.baseName = baseName
        self.filter = filter
    }
}

/// The chained file as assembly left it: sealed under its hidden temporary name, not yet in the inbox.
public struct ChainResult: Sendable {
    /// The final path in the next inbox; nil when no row matched (nothing is dropped).
    public var path: String?
    public var rows: Int
}

/// Writes the enriched rows that go on into a hidden temp file in the next inbox, beside the enriched file.
///
/// The temp name is fixed (`.NAME.tmp`: hidden and `.tmp`, so the intake ignores it twice over): a write stage
/// redone after a crash truncates what the interrupted one left, and after the drop is recorded `written` the
/// temp's existence alone says whether the file is still to be delivered (`deliver`).
final class ChainWriter {
    let finalPath: String
    let temporaryPath: String
    private let sink: FileSink
    private let filter: RowFilter?
    private(set) var rows = 0
    private var settled = false

    /// Opens (truncating) the temp file for a `fileExtension` (`csv`, `jsonl`) file, gzip when the enriched is.
    init(target: ChainTarget, fileExtension: String, gzip: Bool) throws {
        try SluicePaths.ensureDirectory(target.folder)
        finalPath = target.folder + "/" + target.baseName + "." + fileExtension + (gzip ? ".gz" : "")
        temporaryPath = Self.temporaryPath(for: finalPath)
        filter = target.filter
        sink = try FileSink(path: temporaryPath, gzip: gzip)
    }

    deinit { abandon() }

    /// The CSV header line, copied as the enriched file has it.
    func header(_ bytes: [UInt8]) throws {
        try sink.write(bytes)
    }

    /// One enriched row's bytes (exactly as written to the enriched file) and the output it was validated as.
    func offer(_ bytes: [UInt8], output: JSONValue) throws {
        guard filter?.matches(output) ?? true else { return }
        try sink.write(bytes)
        rows += 1
    }

    /// Makes the temp file durable (file and folder fsynced), or removes it when no row went on.
    func seal() throws -> ChainResult {
        guard rows > 0 else {
            abandon()
            return ChainResult(path: nil, rows: 0)
        }
        settled = true
        try sink.finish()
        try AtomicFile.syncFolder(Self.folder(of: finalPath))
        return ChainResult(path: finalPath, rows: rows)
    }

    /// Closes and removes the temp file.
    func abandon() {
        guard !settled else { return }
        settled = true
        sink.discard()
        unlink(temporaryPath)
    }

    /// Renames the sealed temp file to `finalPath` and fsyncs the folder. Returns false when there is no temp
    /// file: an earlier run delivered it (the rename is the only thing that removes it once sealed).
    static func deliver(finalPath: String) throws -> Bool {
        let temporary = temporaryPath(for: finalPath)
        guard rename(temporary, finalPath) == 0 else {
            let code = errno
            if code == ENOENT { return false }
            throw EngineError(
                code: "chain.deliver",
                message: "cannot rename \(temporary) to \(finalPath): \(String(cString: strerror(code)))")
        }
        try AtomicFile.syncFolder(folder(of: finalPath))
        return true
    }

    /// `<folder>/.<name>.tmp`.
    static func temporaryPath(for finalPath: String) -> String {
        let folder = folder(of: finalPath)
        return folder + "/." + String(finalPath.dropFirst(folder.count + 1)) + ".tmp"
    }

    private static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }
}
