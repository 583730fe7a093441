/// Opens record files, deciding between plain and gzip by the content's magic bytes, never by the name.
public enum SourceOpener {
    /// The two bytes every gzip member starts with.
    public static let gzipMagic: [UInt8] = [0x1f, 0x8b]

    /// Opens `path`; a file starting with 1f 8b is inflated, anything else is read as is.
    public static func open(path: String) throws(RecordsError) -> (source: any ByteSource, isGzip: Bool) {
        let file = try FileByteSource(path: path)
        guard try file.peek(count: 2) == gzipMagic else { return (file, false) }
        return (try GzipByteSource(inner: file, path: path), true)
    }
}
