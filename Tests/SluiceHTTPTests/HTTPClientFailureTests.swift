import Foundation
import SluiceHTTP
import Testing

@Suite("HTTPClient failures")
struct HTTPClientFailureTests {
    @Test("A refused connection is http.connect with libcurl's code and text")
    func connectRefused() async throws {
        // Port 1 on loopback: nothing listens there on these machines.
        let error = await #expect(throws: HTTPError.self) {
            try await HTTPClient().execute(HTTPRequest(url: "http://127.0.0.1:1/v1/files"))
        }
        #expect(error?.code == .connect)
        #expect(error?.curlCode == 7)  // CURLE_COULDNT_CONNECT
        #expect(error?.message.contains("127.0.0.1") == true)
        #expect(error?.isTransient == true)
    }

    @Test("A TLS handshake against a plain-HTTP port is http.tls; verification is on by default")
    func tlsFailure() async throws {
        #expect(HTTPClientConfiguration().verifyTLS)
        try await withTestServer(.http) { server in
            let error = await #expect(throws: HTTPError.self) {
                try await HTTPClient().execute(HTTPRequest(url: "https://127.0.0.1:\(server.port)/hello"))
            }
            #expect(error?.code == .tls)
            #expect(error?.curlCode == 35)  // CURLE_SSL_CONNECT_ERROR
            #expect(error?.isTransient == false)
        }
    }

    @Test("A body that trickles below the low-speed limit fails with http.timeout")
    func stalledBody() async throws {
        let client = HTTPClient(configuration: .init(lowSpeedLimit: 1000, lowSpeedTime: .seconds(1)))
        try await withTestServer(.http) { server in
            let error = await #expect(throws: HTTPError.self) {
                try await client.execute(HTTPRequest(url: "\(server.baseURL)/stall"))
            }
            #expect(error?.code == .timeout)
            #expect(error?.curlCode == 28)  // CURLE_OPERATION_TIMEDOUT
        }
    }

    @Test("A server that never answers fails with http.timeout")
    func silentServer() async throws {
        let client = HTTPClient(configuration: .init(lowSpeedLimit: 1, lowSpeedTime: .seconds(1)))
        try await withTestServer(.http) { server in
            let error = await #expect(throws: HTTPError.self) {
                try await client.execute(HTTPRequest(url: "\(server.baseURL)/silent"))
            }
            #expect(error?.code == .timeout)
        }
    }

    @Test("Cancelling the task mid-transfer aborts it with http.cancelled")
    func cancelMidTransfer() async throws {
        try await withTestServer(.http) { server in
            let outcome = await withTaskGroup(of: HTTPError?.self) { group in
                group.addTask {
                    do throws(HTTPError) {
                        _ = try await HTTPClient().execute(HTTPRequest(url: "\(server.baseURL)/slow"))
                        return nil
                    } catch {
                        return error
                    }
                }
                await server.probe.waitFor("slow-started")
                group.cancelAll()
                return await group.next() ?? nil
            }
            #expect(outcome?.code == .cancelled)
            #expect(outcome?.curlCode == 42)  // CURLE_ABORTED_BY_CALLBACK
        }
    }

    @Test("A task cancelled before the call never starts a transfer")
    func cancelledBeforeStart() async throws {
        try await withTestServer(.http) { server in
            let outcome = await withTaskGroup(of: HTTPError?.self) { group in
                group.cancelAll()
                group.addTask {
                    do throws(HTTPError) {
                        _ = try await HTTPClient().execute(HTTPRequest(url: "\(server.baseURL)/bad-request"))
                        return nil
                    } catch {
                        return error
                    }
                }
                return await group.next() ?? nil
            }
            #expect(outcome?.code == .cancelled)
            #expect(server.probe.hits("bad-request") == 0)
        }
    }

    @Test("A missing upload file and an unwritable download path are http.file")
    func fileErrors() async throws {
        try await withTestServer(.http) { server in
            let missingUpload = await #expect(throws: HTTPError.self) {
                try await HTTPClient().execute(
                    HTTPRequest(
                        method: "POST",
                        url: "\(server.baseURL)/upload",
                        body: .multipart([
                            .file(
                                name: "file",
                                path: "/nonexistent/x.jsonl",
                                filename: "x.jsonl",
                                contentType: "application/jsonl"
                            )
                        ])
                    )
                )
            }
            #expect(missingUpload?.code == .file)
            let missingBody = await #expect(throws: HTTPError.self) {
                try await HTTPClient().execute(
                    HTTPRequest(
                        method: "POST",
                        url: "\(server.baseURL)/checksum",
                        body: .file(path: "/nonexistent/body", contentType: "text/plain")
                    )
                )
            }
            #expect(missingBody?.code == .file)
            let badTarget = await #expect(throws: HTTPError.self) {
                try await HTTPClient().execute(
                    HTTPRequest(url: "\(server.baseURL)/hello", responseBodyFile: "/nonexistent/dir/out")
                )
            }
            #expect(badTarget?.code == .file)
            #expect(server.probe.hits("upload") == 0)
        }
    }

    @Test("Credentials never appear in errors or request descriptions")
    func redaction() async throws {
        let url = "http://user:hunter2@127.0.0.1:1/v1/files?limit=5&api_key=sk-secret"
        let error = await #expect(throws: HTTPError.self) {
            try await HTTPClient().execute(
                HTTPRequest(url: url, headers: [HTTPHeader("Authorization", "Bearer sk-secret")])
            )
        }
        let text = "\(String(describing: error))"
        #expect(!text.contains("hunter2"))
        #expect(!text.contains("sk-secret"))
        #expect(error?.url == "http://127.0.0.1:1/v1/files?limit=5&api_key=<redacted>")
        let request = HTTPRequest(url: url, headers: [HTTPHeader("Authorization", "Bearer sk-secret")])
        #expect(!request.description.contains("sk-secret"))
        #expect(request.headers[0].description == "Authorization: <redacted>")
    }
}
