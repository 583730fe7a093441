import Hummingbird
import SluiceJSON

extension Response {
    /// A JSON response with the compact serialisation of `value`.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        let bytes = JSONWriter.bytes(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension APIError {
    /// The error as an HTTP response with the OpenAI envelope.
    var response: Response {
        .json(envelope, status: HTTPResponse.Status(code: status))
    }
}

/// Reading JSON request bodies and list parameters the way the real API checks them.
enum RequestInput {
    /// The real API's message for a body that is not JSON.
    static let unparseableBody = APIError(
        status: 400,
        message: "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your "
            + "HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. "
            + "If you have trouble figuring out how to fix this, please contact us through our help center at "
            + "help.openai.com.)")

    /// The request body parsed as a JSON object (16 MB at most).
    static func jsonObject(_ request: Request) async throws -> JSONObject {
        let buffer = try await request.body.collect(upTo: 16 << 20)
        let parsed = buffer.withUnsafeReadableBytes { raw in try? JSONParser.parse(buffer: raw) }
        guard case .object(let object)? = parsed else { throw unparseableBody }
        return object
    }

    /// The `limit` query parameter within `range`, or the real API's 400 (`integer_above_max_value`, ...).
    static func limit(_ request: Request, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters["limit"].map(String.init) else { return value }
        guard let limit = Int(text) else {
            throw APIError(
                status: 400, message: "Invalid 'limit': expected an integer, but got '\(text)' instead.", param: "limit",
                code: "invalid_type")
        }
        if limit > range.upperBound {
            throw APIError(
                status: 400,
                message: "Invalid 'limit': integer above maximum value. Expected a value <= \(range.upperBound), "
                    + "but got \(limit) instead.",
                param: "limit", code: "integer_above_max_value")
        }
        if limit < range.lowerBound {
            throw APIError(
                status: 400,
                message: "Invalid 'limit': integer below minimum value. Expected a value >= \(range.lowerBound), "
                    + "but got \(limit) instead.",
                param: "limit", code: "integer_below_min_value")
        }
        return limit
    }

    /// A query parameter's value, if present and not empty.
    static func query(_ request: Request, _ name: String) -> String? {
        guard let value = request.uri.queryParameters[name[...]], !value.isEmpty else { return nil }
        return String(value)
    }

    /// The OpenAI list object for one page.
    static func list(_ data: [JSONValue], firstID: String?, lastID: String?, hasMore: Bool) -> JSONValue {
        [
            "object": "list", "data": .array(data), "first_id": firstID.map(JSONValue.string) ?? .null,
            "last_id": lastID.map(JSONValue.string) ?? .null, "has_more": .bool(hasMore),
        ]
    }
}
