import SluiceJSON

/// Writes the result line of a `ChatLineScan`ned request straight into bytes: the same `chat.completion` that
/// `DeterministicModel.chat` builds as a `JSONValue` tree and `LineProcessor.writeResult` serialises, member
/// for member, without the tree (building and serialising it cost a fifth of a request).
///
/// Only for requests without fault triggers (forced or in the text): those take the straightforward path.
enum ChatAnswerWriter {
    /// Appends `{"id":..,"custom_id":..,"response":{..,"body":<chat.completion>},"error":null}` for the request
    /// scanned from `line`; returns its token counts. `ids` supplies the completion id, as in the model.
    static func writeLine(
        into out: inout [UInt8], scan: ChatLineScan, line: UnsafeRawBufferPointer, lineID: HexID,
        requestID: HexID, model: DeterministicModel, created: Int, ids: inout SplitMix64, seeds: BodyHashMemo,
        choices: inout [UInt8], content: inout [UInt8]
    ) -> (input: Int, output: Int) {
        // The body's bytes are its compact serialisation: the same seed as `DeterministicModel.random(for:)`.
        var random = SplitMix64(seed: seeds.hash(UnsafeRawBufferPointer(rebasing: line[scan.body])))
        let triggers = FaultTriggers("")
        choices.removeAll(keepingCapacity: true)
        var completionTokens = 0
        for index in 0..<scan.n {
            // The content's bytes, as `DeterministicModel.content` would return them; a schema through its plan.
            content.removeAll(keepingCapacity: true)
            if let plan = scan.plan {
                plan.write(random: &random, into: &content)
            } else {
                content.append(contentsOf: DeterministicModel.content(shape: scan.shape, triggers: triggers, random: &random).utf8)
            }
            var length = content.count
            var finish = "stop"
            if let maxTokens = scan.maxTokens, let cut = DeterministicModel.truncatedLength(content, maxTokens: maxTokens) {
                length = cut
                finish = "length"
            }
            completionTokens += DeterministicModel.tokens(bytes: length)
            if index > 0 { choices.append(UInt8(ascii: ",")) }
            choices.append(contentsOf: #"{"index":"#.utf8)
            appendInt(index, into: &choices)
            choices.append(contentsOf: #","message":{"role":"assistant","content":"#.utf8)
            choices.append(UInt8(ascii: "\""))
            content.withUnsafeBytes { JSONWriter.escape(UnsafeRawBufferPointer(rebasing: $0[0..<length]), into: &choices) }
            choices.append(UInt8(ascii: "\""))
            choices.append(contentsOf: #","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"#.utf8)
            JSONWriter.writeString(finish, into: &choices)
            choices.append(UInt8(ascii: "}"))
        }
        let promptTokens = max(1, DeterministicModel.tokens(bytes: scan.promptBytes))
        out.append(contentsOf: #"{"id":"batch_req_"#.utf8)
        lineID.append(into: &out)
        out.append(contentsOf: #"","custom_id":"#.utf8)
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: line[scan.customIDBytes]))
        out.append(contentsOf: #","response":{"status_code":200,"request_id":"req_"#.utf8)
        requestID.append(into: &out)
        out.append(contentsOf: #"","body":{"id":"chatcmpl-"#.utf8)
        ids.appendBase62(29, into: &out)
        out.append(contentsOf: #"","object":"chat.completion","created":"#.utf8)
        appendInt(created, into: &out)
        out.append(contentsOf: #","model":"#.utf8)
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: line[scan.model]))
        out.append(contentsOf: #","choices":["#.utf8)
        out.append(contentsOf: choices)
        out.append(contentsOf: #"],"usage":{"prompt_tokens":"#.utf8)
        appendInt(promptTokens, into: &out)
        out.append(contentsOf: #","completion_tokens":"#.utf8)
        appendInt(completionTokens, into: &out)
        out.append(contentsOf: #","total_tokens":"#.utf8)
        appendInt(promptTokens + completionTokens, into: &out)
        out.append(
            contentsOf: #","prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"#
                .utf8)
        JSONWriter.writeString(model.fingerprint, into: &out)
        out.append(contentsOf: #"}},"error":null}"#.utf8)
        return (promptTokens, completionTokens)
    }

    /// Appends the decimal digits of `value` (what `JSONWriter` writes for `.int`), without a `String`.
    static func appendInt(_ value: Int, into out: inout [UInt8]) {
        if value < 0 {
            out.append(contentsOf: String(value).utf8)
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(20 - count)...]))
        }
    }
}
