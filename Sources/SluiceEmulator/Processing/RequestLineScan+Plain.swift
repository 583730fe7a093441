/// Batch validation's fastest path: a scanned line whose members need no JSON values to judge.
///
/// `reducedLine` parses the few members validation reads into a small `JSONObject` per line; for what Sluice
/// sends (a plain `custom_id` and `model`, `"POST"`, the batch's `url`, an object `body` not streaming) every
/// check has one known outcome but the duplicate and model checks, and those need only the two strings.
/// Anything else — escapes, other types, absent or null members — answers nil and takes `reducedLine`, which
/// produces the error messages.
struct PlainRequestLine {
    /// The `custom_id` text (its bytes: it has no escapes).
    var customID: String
    /// `body.model` without its quotes, when it is a string without escapes; nil when absent or not a string.
    var model: Range<Int>?
}

extension RequestLineScan {
    /// The line's `custom_id` and `body.model` when every other check validation makes passes; nil otherwise.
    func plainLine(_ line: UnsafeRawBufferPointer, endpoint: String) -> PlainRequestLine? {
        guard let customID, let method, let url, let body,
            let id = Self.plainString(customID, in: line),
            Self.bytes(method, in: line, equal: "\"POST\""),
            let urlText = Self.plainString(url, in: line), Self.bytes(urlText, in: line, equal: endpoint),
            line[body.lowerBound] == UInt8(ascii: "{")
        else { return nil }
        // `stream` fails validation only when it is `true`; any other value is left to the model.
        if let stream, Self.bytes(stream, in: line, equal: "true") { return nil }
        var modelText: Range<Int>?
        if let model, line[model.lowerBound] == UInt8(ascii: "\"") {
            // A string with escapes would need decoding to compare: the slow path.
            guard let text = Self.plainString(model, in: line) else { return nil }
            modelText = text
        }
        return PlainRequestLine(
            customID: String(decoding: UnsafeRawBufferPointer(rebasing: line[id]), as: UTF8.self), model: modelText)
    }

    /// The content of a string value without escapes (the scan has validated its UTF-8); nil for other values.
    static func plainString(_ range: Range<Int>, in line: UnsafeRawBufferPointer) -> Range<Int>? {
        guard range.count >= 2, line[range.lowerBound] == UInt8(ascii: "\"") else { return nil }
        let content = (range.lowerBound + 1)..<(range.upperBound - 1)
        guard !line[content].contains(UInt8(ascii: "\\")) else { return nil }
        return content
    }

    static func bytes(_ range: Range<Int>, in line: UnsafeRawBufferPointer, equal text: String) -> Bool {
        var text = text
        return text.withUTF8 { range.count == $0.count && line[range].elementsEqual($0) }
    }
}
