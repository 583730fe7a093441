import Crypto
import SluiceRecords

/// SHA-256 of files, streamed in 1 MiB reads.
public enum FileDigest {
    /// The hex SHA-256 and size of the file at `path`.
    public static func sha256(path: String) throws -> (hex: String, bytes: Int64) {
        let source = try FileByteSource(path: path)
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total: Int64 = 0
        while true {
            let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { break }
            total += Int64(n)
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return (hasher.finalize().map { hex($0) }.joined(), total)
    }

    /// The hex SHA-256 of `bytes`.
    public static func sha256(bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { hex($0) }.joined()
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
