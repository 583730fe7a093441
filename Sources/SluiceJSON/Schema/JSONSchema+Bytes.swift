extension JSONSchema {
    /// Appends to `out` the compact serialisation of the JSON text `text` (what `JSONWriter.write` writes of
    /// `JSONParser.parse(text)`) and returns true when the text is valid against this schema, judged on its bytes.
    ///
    /// False means "not settled here", not "invalid": the text may be invalid, not JSON, or of a shape the byte
    /// check leaves to the tree (see `SchemaByteCheck`); `out` is then as it was, and the caller parses the text
    /// and calls `validate(_:)`, whose violations are the answer.
    public func appendValidCompact(_ text: UnsafeRawBufferPointer, to out: inout [UInt8]) -> Bool {
        let mark = out.count
        var check = SchemaByteCheck(nodes: program.nodes, text: text)
        if check.run(into: &out) { return true }
        out.removeSubrange(mark...)
        return false
    }
}
