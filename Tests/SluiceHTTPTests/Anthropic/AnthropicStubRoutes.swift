import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A canned Anthropic Message Batches server: just enough for the wire client's tests.
enum AnthropicStubRoutes {
    static let apiKey = "sk-ant-test-123"

    /// A MessageBatch object; `created` is RFC 3339 text as the API sends it.
    static func batch(
        _ id: String, status: String = "in_progress", created: String = "2024-09-24T18:37:24.100435Z",
        counts: (processing: Int, succeeded: Int, errored: Int, canceled: Int, expired: Int) = (3, 0, 0, 0, 0),
        cancelInitiated: Bool = false
    ) -> String {
        let ended = status == "ended"
        return """
            {"id":"\(id)","type":"message_batch","processing_status":"\(status)",
             "request_counts":{"processing":\(counts.processing),"succeeded":\(counts.succeeded),"errored":\(counts.errored),
                               "canceled":\(counts.canceled),"expired":\(counts.expired)},
             "ended_at":\(ended ? "\"2024-09-24T19:37:24+00:00\"" : "null"),"created_at":"\(created)",
             "expires_at":"2024-09-25T18:37:24.100435Z","archived_at":null,
             "cancel_initiated_at":\(cancelInitiated ? "\"2024-09-24T18:39:00Z\"" : "null"),
             "results_url":\(ended ? "\"https://api.anthropic.com/v1/messages/batches/\(id)/results\"" : "null")}
            """
    }

    static func error(_ status: Int, type: String, _ message: String) -> Response {
        Response.json(
            #"{"type":"error","error":{"type":"\#(type)","message":"\#(message)"},"request_id":"req_\#(status)"}"#,
            status: .init(code: status), headers: [("request-id", "req_\(status)")])
    }

    static func add(to router: Router<TestRequestContext>, probe: ServerProbe) {
        let api = router.group("v1").add(middleware: HeaderCheck())
        api.post("messages/batches") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 << 20)
            let json = try JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8)) as? [String: Any] ?? [:]
            let requests = json["requests"] as? [[String: Any]] ?? []
            probe.record("create", "\(request.headers[.contentType] ?? "") \(body.readableBytes) \(requests.count)")
            guard requests.allSatisfy({ ($0["custom_id"] as? String)?.count ?? 0 <= 64 }) else {
                return error(400, type: "invalid_request_error", "requests.0.custom_id: String should have at most 64 characters")
            }
            return Response.json(batch("msgbatch_new", counts: (requests.count, 0, 0, 0, 0)))
        }
        api.get("messages/batches") { request, _ -> Response in
            let after = request.uri.queryParameters.get("after_id") ?? ""
            let limit = Int(request.uri.queryParameters.get("limit") ?? "20") ?? 20
            probe.record("list", "after_id=\(after) limit=\(limit)")
            // Five batches, most recent first, with the timestamp spellings seen in the wild.
            let all: [(id: String, created: String, requests: Int)] = [
                ("msgbatch_5", "2024-09-24T18:50:00.5Z", 7), ("msgbatch_4", "2024-09-24T18:40:00+00:00", 3),
                ("msgbatch_3", "2024-09-24T18:30:00.123456Z", 3), ("msgbatch_2", "2024-09-24T18:20:00Z", 9),
                ("msgbatch_1", "2024-09-24T18:10:00Z", 3),
            ]
            let start = all.firstIndex { $0.id == after }.map { $0 + 1 } ?? 0
            let page = Array(all[start..<min(all.count, start + limit)])
            let data = page.map { batch($0.id, created: $0.created, counts: ($0.requests, 0, 0, 0, 0)) }
            let hasMore = start + page.count < all.count
            return Response.json(
                #"{"data":[\#(data.joined(separator: ","))],"has_more":\#(hasMore),"#
                    + #""first_id":"\#(page.first?.id ?? "")","last_id":"\#(page.last?.id ?? "")"}"#)
        }
        api.get("messages/batches/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            probe.hit(id)
            switch id {
            case "msgbatch_done": return Response.json(batch(id, status: "ended", counts: (0, 2, 1, 0, 0)))
            case "msgbatch_cancelled":
                return Response.json(batch(id, status: "ended", counts: (0, 1, 0, 2, 0), cancelInitiated: true))
            case "msgbatch_expired": return Response.json(batch(id, status: "ended", counts: (0, 1, 0, 0, 2)))
            case "msgbatch_overloaded" where probe.hits(id) <= 2:
                return error(529, type: "overloaded_error", "Overloaded")
            case "msgbatch_overloaded": return Response.json(batch(id))
            case "msgbatch_down": return error(529, type: "overloaded_error", "Overloaded")
            default: return error(404, type: "not_found_error", "No batch found with id '\(id)'")
            }
        }
        api.get("messages/batches/:id/results") { request, context -> Response in
            probe.record("results-accept", request.headers[.accept] ?? "")
            let id = try context.parameters.require("id")
            let lines =
                #"{"custom_id":"r1","result":{"type":"succeeded","message":{"content":[]}}}"# + "\n"
                + #"{"custom_id":"r2","result":{"type":"canceled"}}"# + "\n"
            return Response(
                status: .ok, headers: [.contentType: "application/x-jsonl"],
                body: .init(byteBuffer: ByteBuffer(string: id == "msgbatch_done" ? lines : "")))
        }
        api.post("messages/batches/:id/cancel") { _, context -> Response in
            Response.json(batch(try context.parameters.require("id"), status: "canceling", cancelInitiated: true))
        }
        api.delete("messages/batches/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            probe.record("delete", id)
            guard id == "msgbatch_done" else {
                return error(400, type: "invalid_request_error", "Batch \(id) is still in progress; cancel it first")
            }
            return Response.json(#"{"id":"\#(id)","type":"message_batch_deleted"}"#)
        }
    }

    /// Answers like Anthropic unless `x-api-key` and `anthropic-version: 2023-06-01` are present.
    struct HeaderCheck: RouterMiddleware {
        typealias Context = TestRequestContext
        func handle(
            _ request: Request, context: Context, next: (Request, Context) async throws -> Response
        ) async throws -> Response {
            guard request.headers[HTTPField.Name("x-api-key")!] == AnthropicStubRoutes.apiKey else {
                return AnthropicStubRoutes.error(401, type: "authentication_error", "invalid x-api-key")
            }
            guard request.headers[HTTPField.Name("anthropic-version")!] == "2023-06-01" else {
                return AnthropicStubRoutes.error(400, type: "invalid_request_error", "anthropic-version: header is required")
            }
            return try await next(request, context)
        }
    }
}
