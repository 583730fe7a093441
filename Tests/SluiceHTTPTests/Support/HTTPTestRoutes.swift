import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

/// Routes the HTTP client tests talk to.
enum HTTPTestRoutes {
    static func add(to router: Router<TestRequestContext>, probe: ServerProbe) {
        addBasics(to: router, probe: probe)
        addStreams(to: router, probe: probe)
        addRetries(to: router, probe: probe)
    }

    private static func addBasics(to router: Router<TestRequestContext>, probe: ServerProbe) {
        router.get("hello") { _, _ -> Response in
            var fields = HTTPFields()
            fields[.contentType] = "text/plain"
            fields.append(HTTPField(name: HTTPField.Name("X-Custom-Header")!, value: "Value-1"))
            fields.append(HTTPField(name: HTTPField.Name("X-Dup")!, value: "first"))
            fields.append(HTTPField(name: HTTPField.Name("X-Dup")!, value: "second"))
            return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(string: "hello")))
        }
        for method in [HTTPRequest.Method.post, .put, .delete, .patch, .get] {
            router.on("echo", method: method) { request, _ -> Response in
                let body = try await request.body.collect(upTo: 16 << 20)
                var fields = HTTPFields()
                fields[.contentType] = "application/octet-stream"
                fields.append(HTTPField(name: HTTPField.Name("x-echo-method")!, value: request.method.rawValue))
                for (name, echo) in [
                    ("content-type", "x-echo-content-type"), ("user-agent", "x-echo-user-agent"),
                    ("x-test", "x-echo-x-test"), ("expect", "x-echo-expect"), ("content-length", "x-echo-length"),
                ] {
                    if let value = request.headers[HTTPField.Name(name)!] {
                        fields.append(HTTPField(name: HTTPField.Name(echo)!, value: value))
                    }
                }
                return Response(status: .ok, headers: fields, body: .init(byteBuffer: body))
            }
        }
        router.get("peer") { _, context in "\(context.peerPort ?? -1)" }
        router.get("json") { _, _ in Response.json(#"{"ok":true,"items":[1,2,3]}"#) }
        router.get("status/:code") { _, context -> Response in
            let code = try context.parameters.require("code", as: Int.self)
            return Response.json(#"{"status":\#(code)}"#, status: .init(code: code))
        }
        router.post("checksum") { request, _ -> Response in
            var checksum = Checksum()
            for try await buffer in request.body {
                buffer.withUnsafeReadableBytes { checksum.add($0) }
            }
            let contentType = request.headers[.contentType] ?? ""
            let json = String(decoding: try JSONEncoder().encode(checksum), as: UTF8.self)
            return Response.json(json, headers: [("x-echo-content-type", contentType)])
        }
        router.post("upload") { request, _ -> Response in
            guard let boundary = MultipartScanner.boundary(contentType: request.headers[.contentType] ?? "") else {
                return Response.json(#"{"error":"not multipart"}"#, status: .badRequest)
            }
            let body = try await request.body.collect(upTo: 128 << 20)
            let parts = body.withUnsafeReadableBytes { MultipartScanner.parts($0, boundary: boundary) }
            return Response.json(String(decoding: try JSONEncoder().encode(parts), as: UTF8.self))
        }
    }

    private static func addStreams(to router: Router<TestRequestContext>, probe: ServerProbe) {
        // `bytes` of PatternData, generated while sending; `chunked=1` omits Content-Length.
        router.get("large") { request, _ -> Response in
            let total = Int(request.uri.queryParameters.get("bytes") ?? "0") ?? 0
            let chunked = request.uri.queryParameters.get("chunked") == "1"
            let body = ResponseBody(contentLength: chunked ? nil : total) { writer in
                var remaining = total
                var index = 0
                while remaining > 0 {
                    let count = min(PatternData.blockSize, remaining)
                    try await writer.write(ByteBuffer(bytes: PatternData.block(index)[0..<count]))
                    remaining -= count
                    index += 1
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: body)
        }
        // One byte every 200 ms: far below any sane low-speed limit. Bounded so it always ends.
        router.get("stall") { _, _ -> Response in
            let body = ResponseBody { writer in
                for _ in 0..<150 {
                    try await writer.write(ByteBuffer(string: "x"))
                    try await Task.sleep(for: .milliseconds(200))
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: body)
        }
        // Headers, then nothing for a long while.
        router.get("silent") { _, _ -> Response in
            probe.signal("silent-started")
            for _ in 0..<150 { try await Task.sleep(for: .milliseconds(200)) }
            return Response.json("{}")
        }
        // 1 KiB every 50 ms for up to 20 s; announces its first write so a test can cancel mid-transfer.
        router.get("slow") { _, _ -> Response in
            let body = ResponseBody { writer in
                let chunk = ByteBuffer(repeating: UInt8(ascii: "s"), count: 1024)
                for step in 0..<400 {
                    try await writer.write(chunk)
                    if step == 0 { probe.signal("slow-started") }
                    try await Task.sleep(for: .milliseconds(50))
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: body)
        }
    }

    private static func addRetries(to router: Router<TestRequestContext>, probe: ServerProbe) {
        router.get("flaky") { _, _ -> Response in
            if probe.hit("flaky") <= 2 {
                return Response.json(#"{"error":"busy"}"#, status: .serviceUnavailable, headers: [("Retry-After", "2")])
            }
            return Response.json(#"{"ok":true}"#)
        }
        router.get("rate-limited") { _, _ -> Response in
            if probe.hit("rate-limited") == 1 {
                return Response.json(
                    #"{"error":"slow down"}"#,
                    status: .tooManyRequests,
                    headers: [("retry-after-ms", "1500")]
                )
            }
            return Response.json(#"{"ok":true}"#)
        }
        router.get("bad-request") { _, _ -> Response in
            probe.hit("bad-request")
            return Response.json(#"{"error":"bad"}"#, status: .badRequest)
        }
        router.get("unavailable") { _, _ -> Response in
            probe.hit("unavailable")
            return Response.json(#"{"error":"down"}"#, status: .serviceUnavailable)
        }
        router.get("no-retry-header") { _, _ -> Response in
            probe.hit("no-retry-header")
            return Response.json(
                #"{"error":"down"}"#,
                status: .serviceUnavailable,
                headers: [("x-should-retry", "false")]
            )
        }
    }
}
