import SluiceJSON

/// An OpenAI Batch output line answering `id` with `content`, with 10 prompt and 5 completion tokens.
func openAISuccessLine(_ id: String, content: String) -> String {
    let body: JSONValue = [
        "id": "chatcmpl-1", "object": "chat.completion",
        "choices": [["index": 0, "message": ["role": "assistant", "content": .string(content)], "finish_reason": "stop"]],
        "usage": ["prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15],
    ]
    let line: JSONValue = [
        "id": "batch_req_1", "custom_id": .string(id),
        "response": ["status_code": 200, "request_id": "req_1", "body": body], "error": nil,
    ]
    return JSONWriter.string(line)
}
