import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

/// A canned OpenAI Files + Batches server: just enough for the wire client's tests.
enum OpenAIStubRoutes {
    static let apiKey = "sk-test-123"

    /// The batch object example from the API reference, with `error_file_id` as the empty string.
    static let completedBatch = """
        {"id":"batch_done","object":"batch","endpoint":"/v1/completions","model":"gpt-5-2025-08-07",
         "errors":null,"input_file_id":"file-abc123","completion_window":"24h","status":"completed",
         "output_file_id":"file-cvaTdG","error_file_id":"","created_at":1711471533,
         "in_progress_at":1711471538,"expires_at":1711557933,"finalizing_at":1711493133,
         "completed_at":1711493163,"failed_at":null,"expired_at":null,"cancelling_at":null,
         "cancelled_at":null,"request_counts":{"total":100,"completed":95,"failed":5},
         "usage":{"input_tokens":1500,"input_tokens_details":{"cached_tokens":1024},"output_tokens":500,
                  "output_tokens_details":{"reasoning_tokens":300},"total_tokens":2000},
         "metadata":{"customer_id":"user_123456789","batch_description":"Nightly eval job"}}
        """

    static func batch(_ id: String, status: String = "validating", createdAt: Int = 1_711_471_533) -> String {
        """
        {"id":"\(id)","object":"batch","endpoint":"/v1/chat/completions","errors":null,"input_file_id":"file-in",
         "completion_window":"24h","status":"\(status)","output_file_id":null,"error_file_id":null,
         "created_at":\(createdAt),"in_progress_at":null,"expires_at":null,"finalizing_at":null,"completed_at":null,
         "failed_at":null,"expired_at":null,"cancelling_at":null,"cancelled_at":null,
         "request_counts":{"total":0,"completed":0,"failed":0},"metadata":null}
        """
    }

    static func envelope(
        _ message: String,
        type: String = "invalid_request_error",
        param: String? = nil,
        code: String? = nil
    ) -> String {
        let param = param.map { "\"\($0)\"" } ?? "null"
        let code = code.map { "\"\($0)\"" } ?? "null"
        return #"{"error":{"message":"\#(message)","type":"\#(type)","param":\#(param),"code":\#(code)}}"#
    }

    static func error(_ status: Int, _ body: String, requestID: String) -> Response {
        Response.json(body, status: .init(code: status), headers: [("x-request-id", requestID)])
    }

    static func add(to router: Router<TestRequestContext>, probe: ServerProbe) {
        let api = router.group("v1").add(middleware: BearerCheck())
        addFiles(to: api, probe: probe)
        addBatches(to: api, probe: probe)
    }

    /// Answers 401 like OpenAI unless `Authorization: Bearer <apiKey>` is present.
    struct BearerCheck: RouterMiddleware {
        typealias Context = TestRequestContext
        func handle(
            _ request: Request,
            context: Context,
            next: (Request, Context) async throws -> Response
        )
            async throws -> Response
        {
            guard request.headers[.authorization] == "Bearer \(OpenAIStubRoutes.apiKey)" else {
                return OpenAIStubRoutes.error(
                    401,
                    OpenAIStubRoutes.envelope("Incorrect API key provided.", code: "invalid_api_key"),
                    requestID: "req_401"
                )
            }
            return try await next(request, context)
        }
    }

    private static func addFiles(to api: RouterGroup<TestRequestContext>, probe: ServerProbe) {
        api.post("files") { request, _ -> Response in
            guard let boundary = MultipartScanner.boundary(contentType: request.headers[.contentType] ?? "") else {
                return error(400, envelope("expected multipart"), requestID: "req_upload")
            }
            let body = try await request.body.collect(upTo: 64 << 20)
            let parts = body.withUnsafeReadableBytes { MultipartScanner.parts($0, boundary: boundary) }
            let purpose = parts.first { $0.name == "purpose" }?.text ?? ""
            guard let file = parts.first(where: { $0.name == "file" }) else {
                return error(400, envelope("file is required", param: "file"), requestID: "req_upload")
            }
            probe.record("upload", "\(purpose) \(file.filename ?? "") \(file.checksum.value) \(file.checksum.count)")
            return Response.json(
                """
                {"id":"file-up1","object":"file","bytes":\(file.checksum.count),"created_at":1700000000,
                 "expires_at":1702592000,"filename":"\(file.filename ?? "")","purpose":"\(purpose)",
                 "status":"processed","status_details":null}
                """
            )
        }
        api.get("files/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard id == "file-out" else {
                return error(404, envelope("No such File object: \(id)"), requestID: "req_f404")
            }
            return Response.json(
                #"{"id":"file-out","object":"file","bytes":12,"created_at":1700000001,"filename":"batch_out.jsonl","#
                    + #""purpose":"batch_output","status":"processed","status_details":null}"#
            )
        }
        api.get("files/:id/content") { request, context -> Response in
            probe.record("content-accept", request.headers[.accept] ?? "")
            guard try context.parameters.require("id") == "file-out" else {
                return error(404, envelope("No such File object"), requestID: "req_c404")
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/octet-stream"],
                body: .init(byteBuffer: ByteBuffer(string: "line1\nline2\n"))
            )
        }
        api.delete("files/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            return Response.json(#"{"id":"\#(id)","object":"file","deleted":true}"#)
        }
    }

    private static func addBatches(to api: RouterGroup<TestRequestContext>, probe: ServerProbe) {
        api.post("batches") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let text = String(buffer: body)
            probe.record("create", text)
            let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
            guard json["endpoint"] as? String == "/v1/chat/completions" else {
                let message =
                    "Invalid value: '\(json["endpoint"] ?? "")'. Supported values are: '/v1/chat/completions'."
                return error(400, envelope(message, param: "endpoint", code: "invalid_value"), requestID: "req_400")
            }
            return Response.json(batch("batch_new"), headers: [("x-request-id", "req_create")])
        }
        api.get("batches") { request, _ -> Response in
            let after = request.uri.queryParameters.get("after") ?? ""
            let limit = Int(request.uri.queryParameters.get("limit") ?? "20") ?? 20
            probe.record("list", "after=\(after) limit=\(limit)")
            // Five batches, newest first; the page starts after `after`. No last_id: the client must
            // take the cursor from the last item, as the SDK does.
            let all = (1...5).reversed().map { (id: "batch_\($0)", createdAt: $0 * 100) }
            let start = all.firstIndex { $0.id == after }.map { $0 + 1 } ?? 0
            let page = Array(all[start..<min(all.count, start + limit)])
            let data = page.map { batch($0.id, status: "completed", createdAt: $0.createdAt) }.joined(separator: ",")
            let hasMore = start + page.count < all.count
            return Response.json(
                #"{"object":"list","data":[\#(data)],"first_id":"\#(page.first?.id ?? "")","has_more":\#(hasMore)}"#
            )
        }
        api.get("batches/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            probe.hit(id)
            switch id {
            case "batch_done":
                return Response.json(completedBatch, headers: [("x-request-id", "req_done")])
            case "batch_flaky" where probe.hits(id) == 1:
                return Response.json(
                    envelope("Rate limit reached", type: "requests", code: "rate_limit_exceeded"),
                    status: .tooManyRequests,
                    headers: [("retry-after", "1"), ("x-request-id", "req_429")]
                )
            case "batch_flaky":
                return Response.json(batch(id, status: "in_progress"))
            case "batch_garbage":
                return Response.json(#"{"id":5,"object":"batch"}"#, headers: [("x-request-id", "req_garbage")])
            case "batch_odd_code":
                return error(
                    400,
                    #"{"error":{"message":"bad","type":"invalid_request_error","code":400}}"#,
                    requestID: "req_odd"
                )
            case let status where status.hasPrefix("status_"):
                let code = Int(status.dropFirst("status_".count)) ?? 500
                return error(code, envelope("status \(code)", type: "server_error"), requestID: "req_\(code)")
            default:
                return error(404, envelope("No batch found with id '\(id)'."), requestID: "req_404")
            }
        }
        api.post("batches/:id/cancel") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard id != "batch_done" else {
                return error(409, envelope("Cannot cancel a batch with status 'completed'."), requestID: "req_409")
            }
            return Response.json(batch(id, status: "cancelling"))
        }
    }
}
