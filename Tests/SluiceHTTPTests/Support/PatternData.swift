import Foundation

/// Deterministic test bytes: 1 MiB blocks of pseudo-random data, each stamped with its index.
enum PatternData {
    static let blockSize = 1 << 20

    /// The shared pseudo-random block (xorshift64*, fixed seed).
    static let baseBlock: [UInt8] = {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var bytes = [UInt8](repeating: 0, count: blockSize)
        bytes.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for index in words.indices {
                state ^= state >> 12
                state ^= state << 25
                state ^= state >> 27
                words[index] = state &* 0x2545_F491_4F6C_DD1D
            }
        }
        return bytes
    }()

    /// Block `index`: the base block with its first 8 bytes replaced by the index.
    static func block(_ index: Int) -> [UInt8] {
        var bytes = baseBlock
        withUnsafeBytes(of: UInt64(index).littleEndian) { stamp in
            for offset in 0..<8 { bytes[offset] = stamp[offset] }
        }
        return bytes
    }

    /// The checksum of the first `totalBytes` of the block stream.
    static func checksum(totalBytes: Int) -> Checksum {
        var checksum = Checksum()
        var remaining = totalBytes
        var index = 0
        while remaining > 0 {
            let count = min(blockSize, remaining)
            block(index).withUnsafeBytes { checksum.add(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            remaining -= count
            index += 1
        }
        return checksum
    }

    /// Writes the first `totalBytes` of the block stream to `path`.
    static func writeFile(_ path: String, totalBytes: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var remaining = totalBytes
        var index = 0
        while remaining > 0 {
            let count = min(blockSize, remaining)
            try handle.write(contentsOf: block(index)[0..<count])
            remaining -= count
            index += 1
        }
    }
}

/// FNV-1a over a byte stream, with its length; chunk boundaries do not matter.
struct Checksum: Equatable, Codable, Sendable, CustomStringConvertible {
    var value: UInt64 = 0xcbf2_9ce4_8422_2325
    var count: Int64 = 0

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var hash = value
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        value = hash
        count += Int64(bytes.count)
    }

    /// The checksum of a whole file, read in 1 MiB pieces.
    static func ofFile(_ path: String) throws -> Checksum {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var checksum = Checksum()
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            data.withUnsafeBytes { checksum.add($0) }
        }
        return checksum
    }

    var description: String { "\(count) bytes, fnv \(String(value, radix: 16))" }
}

/// A temporary folder removed when the body ends, however it ends.
func withTemporaryFolder<Result>(_ body: (String) async throws -> Result) async throws -> Result {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-http-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}
