#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file that appears complete or not at all: a hidden temp file (`.NAME.tmp-<random>`) in the same
/// folder, fsynced, renamed over the final name, then the folder fsynced so the rename survives power loss.
///
/// If neither `commit()` nor `abandon()` is called, `deinit` abandons.
public final class AtomicFile {
    /// Where the file appears on `commit()`.
    public let finalPath: String
    /// The hidden temp file being written.
    public let temporaryPath: String
    /// Where the content goes.
    public let sink: FileSink
    private let folder: String
    private var settled = false

    /// Creates the temp file next to `finalPath`; `writeBehind` compresses and writes on a thread of the sink's own.
    public init(finalPath: String, gzip: Bool, gzipLevel: Int32 = 6, writeBehind: Bool = false) throws(RecordsError) {
        let (folder, name) = Self.split(finalPath)
        precondition(!name.isEmpty, "finalPath must name a file: \(finalPath)")
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        self.finalPath = finalPath
        self.folder = folder
        temporaryPath = (folder == "/" ? "/" : folder + "/") + "." + name + ".tmp-" + suffix
        // O_EXCL: never write into a file someone else (another process with the same name) owns.
        sink = try FileSink(
            path: temporaryPath, gzip: gzip, gzipLevel: gzipLevel, bufferSize: 1 << 20, exclusive: true,
            writeBehind: writeBehind)
    }

    deinit { abandon() }

    /// Finishes the sink, renames the temp file to `finalPath` and fsyncs the folder.
    ///
    /// If the error comes from the folder fsync, the file is already in place but its rename may not be durable.
    public func commit() throws(RecordsError) {
        guard !settled else {
            throw RecordsError(
                code: RecordsError.Code.io,
                message: "already committed or abandoned",
                path: finalPath,
                errno: EBADF
            )
        }
        do throws(RecordsError) {
            try sink.finish()
            guard rename(temporaryPath, finalPath) == 0 else {
                throw RecordsError.io("rename", path: finalPath, errno: SystemErrorText.current)
            }
        } catch {
            abandon()
            throw error
        }
        settled = true
        try Self.syncFolder(folder)
    }

    /// Closes and removes the temp file; the final name is untouched. Does nothing after `commit()`.
    public func abandon() {
        guard !settled else { return }
        settled = true
        sink.discard()
        unlink(temporaryPath)
    }

    /// fsyncs a folder so that entries just created or renamed in it are durable.
    public static func syncFolder(_ folder: String) throws(RecordsError) {
        let fd = try Syscall.open(folder, O_RDONLY | O_DIRECTORY)
        defer { Syscall.close(fd) }
        try Syscall.fsync(fd, path: folder)
    }

    /// ("dir", "name") of a path; the folder is "." for a bare name.
    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }
}
