import Foundation
import SluiceHTTP
import Testing

@Suite("HTTPClient basics")
struct HTTPClientBasicTests {
    let client = HTTPClient()

    @Test("Process set-up is idempotent")
    func initializeTwice() throws {
        try HTTPClient.initializeProcess()
        try HTTPClient.initializeProcess()
    }

    @Test("GET returns status, body and lowercased headers, last duplicate winning")
    func getHello() async throws {
        try await withTestServer(.http) { server in
            let response = try await client.execute(HTTPRequest(url: "\(server.baseURL)/hello"))
            #expect(response.status == 200)
            #expect(response.bodyText == "hello")
            #expect(response.bodyBytes == 5)
            #expect(response.headers["x-custom-header"] == "Value-1")
            #expect(response.headers["x-dup"] == "second")
            #expect(response.headers["content-type"] == "text/plain")
            #expect(response.headers.keys.allSatisfy { $0 == $0.lowercased() })
        }
    }

    @Test("POST JSON sends the bytes, content type, user agent and custom headers")
    func postJSON() async throws {
        try await withTestServer(.http) { server in
            let json = Array(#"{"name":"sluice","n":[1,2,3]}"#.utf8)
            let request = HTTPRequest(
                method: "POST",
                url: "\(server.baseURL)/echo",
                headers: [HTTPHeader("X-Test", "abc")],
                body: .bytes(json, contentType: "application/json")
            )
            let response = try await client.execute(request)
            #expect(response.status == 200)
            #expect(response.body == json)
            #expect(response.headers["x-echo-method"] == "POST")
            #expect(response.headers["x-echo-content-type"] == "application/json")
            #expect(response.headers["x-echo-x-test"] == "abc")
            #expect(response.headers["x-echo-user-agent"] == "sluice/\(HTTPClientConfiguration.version)")
            #expect(response.headers["x-echo-expect"] == nil)
        }
    }

    @Test("Binary bodies with NUL bytes arrive intact; PUT, PATCH and DELETE use their method")
    func methodsAndBinary() async throws {
        try await withTestServer(.http) { server in
            let bytes: [UInt8] = [0, 1, 2, 0, 255, 0, 10, 13]
            for method in ["PUT", "PATCH"] {
                let response = try await client.execute(
                    HTTPRequest(method: method, url: "\(server.baseURL)/echo", body: .bytes(bytes, contentType: "x/y"))
                )
                #expect(response.headers["x-echo-method"] == method)
                #expect(response.body == bytes)
            }
            let deleted = try await client.execute(HTTPRequest(method: "DELETE", url: "\(server.baseURL)/echo"))
            #expect(deleted.headers["x-echo-method"] == "DELETE")
            #expect(deleted.body.isEmpty)
            let emptyPost = try await client.execute(HTTPRequest(method: "POST", url: "\(server.baseURL)/echo"))
            #expect(emptyPost.headers["x-echo-method"] == "POST")
            #expect(emptyPost.headers["x-echo-length"] == "0")
        }
    }

    @Test("A 404 is a response, not an error")
    func notFound() async throws {
        try await withTestServer(.http) { server in
            let missing = try await client.execute(HTTPRequest(url: "\(server.baseURL)/no/such/route"))
            #expect(missing.status == 404)
            let teapot = try await client.execute(HTTPRequest(url: "\(server.baseURL)/status/418"))
            #expect(teapot.status == 418)
            #expect(teapot.bodyText == #"{"status":418}"#)
        }
    }

    @Test("Sequential requests on one client reuse one kept-alive connection")
    func connectionReuse() async throws {
        try await withTestServer(.http) { server in
            var peers: Set<String> = []
            for _ in 0..<10 {
                peers.insert(try await client.execute(HTTPRequest(url: "\(server.baseURL)/peer")).bodyText)
            }
            #expect(peers.count == 1)
            #expect(peers.first.flatMap { Int($0) } ?? 0 > 0)
        }
    }

    @Test("Sequential requests with bodies all get their own answer")
    func manyRequests() async throws {
        try await withTestServer(.http) { server in
            for index in 0..<20 {
                let response = try await client.execute(
                    HTTPRequest(
                        method: "POST",
                        url: "\(server.baseURL)/echo",
                        body: .bytes(Array("n\(index)".utf8), contentType: "text/plain")
                    )
                )
                #expect(response.bodyText == "n\(index)")
            }
        }
    }

    @Test("Concurrent requests each get their own answer")
    func concurrentRequests() async throws {
        try await withTestServer(.http) { server in
            let bodies = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for index in 0..<8 {
                    group.addTask {
                        let response = try await client.execute(
                            HTTPRequest(
                                method: "POST",
                                url: "\(server.baseURL)/echo",
                                body: .bytes(Array("c\(index)".utf8), contentType: "text/plain")
                            )
                        )
                        return (index, response.bodyText)
                    }
                }
                var results: [Int: String] = [:]
                for try await (index, text) in group { results[index] = text }
                return results
            }
            #expect(bodies.count == 8)
            for index in 0..<8 { #expect(bodies[index] == "c\(index)") }
        }
    }

    @Test("A header value with CR/LF is refused before anything is sent")
    func headerInjection() async throws {
        let request = HTTPRequest(url: "http://127.0.0.1:1/x", headers: [HTTPHeader("X-Bad", "a\r\nInjected: 1")])
        let error = await #expect(throws: HTTPError.self) { try await client.execute(request) }
        #expect(error?.code == .invalidRequest)
    }

    @Test("Non-HTTP schemes are refused")
    func fileSchemeRefused() async throws {
        let error = await #expect(throws: HTTPError.self) {
            try await client.execute(HTTPRequest(url: "file:///etc/passwd"))
        }
        #expect(error?.code == .invalidRequest)
    }
}
